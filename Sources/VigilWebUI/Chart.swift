/// A line chart drawn on the server as inline SVG: it shows without any script, and its
/// only inputs are numbers, so nothing from a host reaches its markup but as text.
struct Chart {
    var title: String
    var unit: String
    /// (UNIX time, value), oldest first.
    var points: [(time: Int64, value: Double)]
    var from: Int64
    var to: Int64
    /// A gap longer than this between two points breaks the line (the agent was down).
    var gapSeconds: Int64 = 35
    /// What an empty chart says.
    var empty = "no telemetry in this period"
    /// A count of things (hosts): the axis is marked in whole numbers, and one is named
    /// with `singular` ("1 host", never "0.50 hosts").
    var singular: String?

    static let width = 640.0, height = 180.0
    static let left = 56.0, right = 8.0, top = 10.0, bottom = 24.0

    /// The top of the y axis: a round number above the highest point.
    var top: Double {
        let peak = points.map(\.value).max() ?? 0
        if singular != nil {
            // Even, so that the middle line is a whole number too.
            if let small = [2.0, 4.0, 6.0, 10.0].first(where: { peak <= $0 }) { return small }
        }
        guard peak > 0 else { return 1 }
        let magnitude = pow10(floorLog10(peak))
        for step in [1.0, 2.0, 5.0, 10.0] where peak <= step * magnitude { return step * magnitude }
        return 10 * magnitude
    }

    func x(_ t: Int64) -> Double {
        Self.left + Double(t - from) / Double(max(1, to - from)) * (Self.width - Self.left - Self.right)
    }

    func y(_ v: Double) -> Double {
        Self.height - Self.bottom - min(v, top) / top * (Self.height - Self.top - Self.bottom)
    }

    /// The points as runs without gaps, each an SVG `points` list.
    var segments: [String] {
        var runs: [[String]] = [], previous: Int64?
        for p in points where p.time >= from && p.time <= to {
            if previous == nil || p.time - previous! > gapSeconds { runs.append([]) }
            runs[runs.count - 1].append(Self.coordinate(x(p.time)) + "," + Self.coordinate(y(p.value)))
            previous = p.time
        }
        return runs.map { $0.joined(separator: " ") }
    }

    static func coordinate(_ v: Double) -> String { Format.number(v, digits: 1) }

    var summary: String {
        guard let last = points.last else { return "\(title): no points in this period" }
        let peak = points.map(\.value).max() ?? 0
        if singular != nil { return "\(title): \(points.count) points, latest \(Int(last.value)), peak \(Int(peak))" }
        return "\(title): \(points.count) points, latest \(Format.number(last.value, digits: 2)) \(unit), peak \(Format.number(peak, digits: 2)) \(unit)"
    }

    func render() -> HTML {
        let w = Self.width, h = Self.height
        return el("figure", .class("chart")) {
            el("figcaption") { title }
            el("svg", Attribute("viewBox", "0 0 \(Int(w)) \(Int(h))"), Attribute("role", "img"), Attribute("aria-label", summary),
               Attribute("data-points", "\(points.count)")) {
                for fraction in [0.0, 0.5, 1.0] {
                    let v = top * fraction
                    el("line", .class("grid"), Attribute("x1", Self.coordinate(Self.left)), Attribute("x2", Self.coordinate(w - Self.right)),
                       Attribute("y1", Self.coordinate(y(v))), Attribute("y2", Self.coordinate(y(v))))
                    el("text", .class("axis"), Attribute("x", Self.coordinate(Self.left - 6)), Attribute("y", Self.coordinate(y(v) + 4)),
                       Attribute("text-anchor", "end")) { v == 1 && singular != nil ? "1 " + singular! : Self.label(v, unit) }
                }
                for (t, label) in [(from, "−" + Self.duration(to - from)), ((from + to) / 2, "−" + Self.duration((to - from) / 2)), (to, "now")] {
                    el("text", .class("axis"), Attribute("x", Self.coordinate(x(t))), Attribute("y", Self.coordinate(h - 6)),
                       Attribute("text-anchor", t == from ? "start" : t == to ? "end" : "middle")) { label }
                }
                for segment in segments { el("polyline", .class("line"), Attribute("points", segment)) }
                // The latest point, marked: a line of a few points at the right edge is easy to miss.
                if let last = points.last, last.time >= from {
                    el("circle", .class("latest"), Attribute("cx", Self.coordinate(x(last.time))), Attribute("cy", Self.coordinate(y(last.value))), Attribute("r", "3"))
                }
                if points.isEmpty {
                    el("text", .class("axis"), Attribute("x", Self.coordinate(w / 2)), Attribute("y", Self.coordinate(h / 2)),
                       Attribute("text-anchor", "middle")) { empty }
                }
            }
        }
    }

    /// A span of time as the x axis names it: minutes up to two hours, then hours, then days.
    static func duration(_ seconds: Int64) -> String {
        if seconds <= 7200 { return "\(seconds / 60) min" }
        if seconds <= 172_800 { return "\(seconds / 3600) h" }
        return "\(seconds / 86400) days"
    }

    /// At most `count` points: the average of the points in each of `count` equal spans
    /// of [from, to] (a day of 10 s points is 8,640; a chart has no use for more than
    /// its width). A gap of several spans still breaks the line.
    static func downsample(_ points: [(time: Int64, value: Double)], from: Int64, to: Int64, count: Int) -> (points: [(time: Int64, value: Double)], gap: Int64) {
        let span = Double(max(1, to - from)) / Double(count)
        guard points.count > count else { return (points, max(35, Int64(span * 2.5))) }
        var out: [(time: Int64, value: Double)] = []
        var bucket = -1, times: Int64 = 0, sum = 0.0, n = 0
        func close() { if n > 0 { out.append((times / Int64(n), sum / Double(n))) } }
        for p in points {
            let b = Int(Double(p.time - from) / span)
            if b != bucket { close(); bucket = b; times = 0; sum = 0; n = 0 }
            times += p.time; sum += p.value; n += 1
        }
        close()
        return (out, max(35, Int64(span * 2.5)))
    }

    static func label(_ v: Double, _ unit: String) -> String {
        (v == v.rounded() ? String(Int(v)) : Format.number(v, digits: v < 1 ? 2 : 1)) + (unit == "%" ? "%" : " " + unit)
    }
}

private func floorLog10(_ v: Double) -> Int {
    var e = 0, x = v
    while x >= 10 { x /= 10; e += 1 }
    while x < 1 { x *= 10; e -= 1 }
    return e
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }
    return e >= 0 ? r : 1 / r
}
