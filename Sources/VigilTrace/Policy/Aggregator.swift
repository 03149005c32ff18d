import VigilSystem

/// The `count` action of one rule: events grouped by the `by` fields' values over
/// tumbling windows aligned to multiples of the window on the wall clock (so hosts'
/// windows line up), written as one JSON line per group when the window ends.
///
/// Memory is bounded: a window keeps at most `maxGroups` groups; events of further
/// groups are not aggregated but counted (`dropped_groups`, `dropped_events` on the
/// window's first line), so a loss is always visible.
public final class Aggregator {
    public let rule: String
    public let spec: CountSpec
    public let maxGroups: Int

    /// The integer fields measured (sum, min, max, avg, histogram), each once.
    let measured: [String]
    let histogramOf: [Bool]

    struct Measure {
        var n = 0
        var sum: Int64 = 0
        var min = Int64.max
        var max = Int64.min
        /// Counts per log2 bucket (see `bucket`), only for histogram fields.
        var histogram: [Int] = []
    }

    struct Group {
        let key: [FieldValue?]
        var count = 0
        var measures: [Measure]
    }

    struct Window {
        let start: Int64
        var groups: [Group] = []
        var index: [[FieldValue?]: Int] = [:]
        var droppedEvents = 0
        /// Hashes of the dropped groups' keys, to count them without keeping them; past
        /// `droppedLimit` entries the count is a lower bound.
        var droppedKeys: Set<Int> = []
    }

    private var current: Window?
    private var finished: [Window] = []
    private var droppedLimit: Int { maxGroups * 10 }

    public init(rule: String, spec: CountSpec, maxGroups: Int = 10_000) {
        self.rule = rule
        self.spec = spec
        self.maxGroups = maxGroups
        var measured: [String] = []
        for name in spec.sum + spec.min + spec.max + spec.avg + spec.histogram where !measured.contains(name) {
            measured.append(name)
        }
        self.measured = measured
        histogramOf = measured.map { spec.histogram.contains($0) }
    }

    func windowStart(_ now: Int64) -> Int64 {
        let w = spec.windowNanoseconds
        let r = now % w
        return now - (r < 0 ? r + w : r)
    }

    /// Adds one matching event at wall-clock time `now` (nanoseconds since the epoch).
    public func add(_ event: some FieldSource, now: Int64) {
        let start = windowStart(now)
        if let w = current, start > w.start {
            finished.append(w)
            current = nil
        }
        // A clock stepped backwards keeps counting into the open window.
        if current == nil { current = Window(start: start) }

        let key = spec.by.map { event.field($0) }
        var slot: Int
        if let i = current!.index[key] {
            slot = i
        } else if current!.groups.count < maxGroups {
            slot = current!.groups.count
            current!.index[key] = slot
            current!.groups.append(Group(key: key, measures: histogramOf.map { $0 ? Measure(histogram: [Int](repeating: 0, count: 65)) : Measure() }))
        } else {
            current!.droppedEvents += 1
            if current!.droppedKeys.count < droppedLimit { current!.droppedKeys.insert(key.hashValue) }
            return
        }
        current!.groups[slot].count += 1
        for (m, name) in measured.enumerated() {
            guard case .integer(let v) = event.field(name) else { continue }
            current!.groups[slot].measures[m].record(v)
        }
    }

    /// JSON lines of the windows that ended by `now`; with `final`, also of the open
    /// window (marked `"partial": true`), for the end of a session.
    public func flush(now: Int64, final: Bool = false) -> [String] {
        if let w = current, final || windowStart(now) > w.start {
            finished.append(w)
            current = nil
        }
        let lines = finished.flatMap { render($0, partial: final && $0.start + spec.windowNanoseconds > now) }
        finished.removeAll()
        return lines
    }

    func render(_ w: Window, partial: Bool) -> [String] {
        let head = "{\"time\":\(JSON.string(Clock.iso8601(nanoseconds: w.start))),\"event\":\"aggregate\","
            + "\"rule\":\(JSON.string(rule)),\"window_s\":\(Self.seconds(spec.windowNanoseconds))"
        var lines: [String] = []
        lines.reserveCapacity(w.groups.count)
        for (g, group) in w.groups.enumerated() {
            var line = head + ",\"group\":{"
            for (i, name) in spec.by.enumerated() {
                if i > 0 { line += "," }
                line += JSON.string(name) + ":" + Self.json(group.key[i])
            }
            line += "},\"count\":\(group.count)"
            for (m, name) in measured.enumerated() {
                let s = group.measures[m]
                if spec.sum.contains(name) { line += ",\"sum_\(name)\":\(s.sum)" }
                if spec.min.contains(name) { line += ",\"min_\(name)\":" + (s.n > 0 ? "\(s.min)" : "null") }
                if spec.max.contains(name) { line += ",\"max_\(name)\":" + (s.n > 0 ? "\(s.max)" : "null") }
                if spec.avg.contains(name) { line += ",\"avg_\(name)\":" + (s.n > 0 ? "\(Double(s.sum) / Double(s.n))" : "null") }
                if histogramOf[m] { line += ",\"histogram_\(name)\":" + Self.histogram(s.histogram) }
            }
            if g == 0, w.droppedEvents > 0 {
                line += ",\"dropped_groups\":\(w.droppedKeys.count),\"dropped_events\":\(w.droppedEvents)"
            }
            if partial { line += ",\"partial\":true" }
            lines.append(line + "}")
        }
        return lines
    }

    /// Whole seconds as an integer, else a decimal (0.5).
    static func seconds(_ ns: Int64) -> String {
        ns % 1_000_000_000 == 0 ? "\(ns / 1_000_000_000)" : "\(Double(ns) / 1e9)"
    }

    static func json(_ value: FieldValue?) -> String {
        switch value {
        case nil: return "null"
        case .integer(let n): return "\(n)"
        case .string(let s): return JSON.string(s)
        case .strings(let list): return "[" + list.map(JSON.string).joined(separator: ",") + "]"
        case .boolean(let b): return b ? "true" : "false"
        }
    }

    /// Non-empty log2 buckets in ascending order: "<0", "0", "1", "2-3", "4-7", …
    static func histogram(_ buckets: [Int]) -> String {
        var parts: [String] = []
        for (i, n) in buckets.enumerated() where n > 0 {
            parts.append("\(JSON.string(bucketLabel(i))):\(n)")
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func bucketLabel(_ i: Int) -> String {
        switch i {
        case 0: return "<0"
        case 1: return "0"
        case 2: return "1"
        default:
            let low = UInt64(1) << UInt64(i - 2)
            return "\(low)-\(low * 2 - 1)"
        }
    }
}

extension Aggregator.Measure {
    mutating func record(_ v: Int64) {
        n += 1
        let (s, overflow) = sum.addingReportingOverflow(v)
        sum = overflow ? (v > 0 ? .max : .min) : s  // saturate rather than wrap
        if v < min { min = v }
        if v > max { max = v }
        if !histogram.isEmpty { histogram[Self.bucket(v)] += 1 }
    }

    /// 0 for negative values, 1 for 0, then 2 + floor(log2(v)): 1 → 2, 2-3 → 3, 4-7 → 4 …
    static func bucket(_ v: Int64) -> Int {
        if v < 0 { return 0 }
        if v == 0 { return 1 }
        return 2 + (63 - v.leadingZeroBitCount)
    }
}
