/// A self-contained interactive flame graph: one SVG file with inline CSS and
/// JavaScript, no external assets. Root at the bottom, callees above their
/// callers, widths proportional to samples. Hover shows a frame's name and
/// share, click zooms into it, the search box highlights matching frames and
/// shows their total share.
public enum FlameGraphSVG {
    public struct Options: Sendable {
        public var title = "Flame Graph"
        public var width = 1200
        public var frameHeight = 16
        /// Frames narrower than this (pixels) are left out, as flamegraph.pl does,
        /// so a profile with thousands of tiny stacks stays a small file.
        public var minimumWidth = 0.1
        /// A differential graph (Gregg's): this profile's frames coloured by how their share
        /// of all samples changed since `baseline`, red for grown, blue for shrunk.
        public var baseline: NamedStacks?
        public init() {}
    }

    /// A node of the merged call tree.
    final class Node {
        let function: Int
        var value: UInt64 = 0
        var children: [Int: Node] = [:]
        init(function: Int) { self.function = function }
    }

    public static func render(_ stacks: NamedStacks, options: Options = Options()) -> String {
        let root = Node(function: -1)
        for stack in stacks.stacks {
            root.value += stack.value
            var node = root
            for f in stack.path {
                let child = node.children[f] ?? Node(function: f)
                node.children[f] = child
                child.value += stack.value
                node = child
            }
        }
        let total = max(root.value, 1)
        let pad = 10.0
        let scale = (Double(options.width) - 2 * pad) / Double(total)
        // Depth of the deepest frame that will be drawn.
        func depth(_ n: Node) -> Int {
            n.children.values.filter { Double($0.value) * scale >= options.minimumWidth }.map { depth($0) + 1 }.max() ?? 0
        }
        let levels = depth(root) + 1
        let fh = options.frameHeight
        let top = 60, bottom = 30
        let height = top + levels * fh + bottom
        var body = ""
        let before = options.baseline.map { Self.shares($0) }
        // Differences are shaded against the largest drawn (at least a tenth of a point, so
        // noise between two like profiles stays pale).
        var largest = 0.1
        if let before {
            func walk(_ n: Node, _ path: String) {
                guard Double(n.value) * scale >= options.minimumWidth else { return }
                largest = max(largest, abs(Double(n.value) / Double(total) * 100 - (before.shares[path] ?? 0)))
                for child in n.children.values { walk(child, path + "\u{1}" + stacks.functions[child.function].name) }
            }
            walk(root, "")
        }
        // Depth-first, children in name order, each frame at the x its left siblings leave.
        func emit(_ n: Node, x: UInt64, level: Int, path: String) {
            let w = Double(n.value) * scale
            guard w >= options.minimumWidth else { return }
            let name = n.function < 0 ? "all" : stacks.functions[n.function].name
            let file = n.function < 0 ? "" : stacks.functions[n.function].file
            let y = height - bottom - (level + 1) * fh
            let px = pad + Double(x) * scale
            var title = "\(name) (\(n.value) \(unit(stacks.kind)), \(percent(n.value, total))"
            var fill = color(name: name, file: file)
            if let before {
                let change = Double(n.value) / Double(total) * 100 - (before.shares[path] ?? 0)
                title += ", \(change >= 0 ? "+" : "−")\(fmt(abs(change))) points"
                fill = Self.difference(change / largest)
            }
            body += "<g class=\"f\" data-x=\"\(x)\" data-v=\"\(n.value)\" data-d=\"\(level)\">"
            body += "<title>\(escape(title)))</title>"
            body += "<rect x=\"\(fmt(px))\" y=\"\(y)\" width=\"\(fmt(w))\" height=\"\(fh - 1)\" rx=\"2\" fill=\"\(fill)\"/>"
            body += "<text x=\"\(fmt(px + 3))\" y=\"\(y + fh - 4)\">\(escape(fitted(name, width: w)))</text></g>\n"
            var childX = x
            for child in n.children.values.sorted(by: { stacks.functions[$0.function].name < stacks.functions[$1.function].name }) {
                emit(child, x: childX, level: level + 1, path: path + "\u{1}" + stacks.functions[child.function].name)
                childX += child.value
            }
        }
        emit(root, x: 0, level: 0, path: "")

        var svg = "<?xml version=\"1.0\" standalone=\"no\"?>\n"
        svg += "<svg version=\"1.1\" width=\"\(options.width)\" height=\"\(height)\" viewBox=\"0 0 \(options.width) \(height)\" "
        svg += "xmlns=\"http://www.w3.org/2000/svg\" data-total=\"\(total)\" data-unit=\"\(unit(stacks.kind))\" data-pad=\"\(Int(pad))\">\n"
        svg += "<style type=\"text/css\"><![CDATA[\(FlameGraphScript.css)]]></style>\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#f8f8f8\"/>\n"
        svg += "<text id=\"title\" x=\"\(options.width / 2)\" y=\"22\" text-anchor=\"middle\">\(escape(options.title))</text>\n"
        svg += "<text id=\"reset\" x=\"\(Int(pad))\" y=\"44\" class=\"hidden\">Reset Zoom</text>\n"
        svg += "<text id=\"matched\" x=\"\(options.width - 230)\" y=\"\(height - 10)\"></text>\n"
        svg += "<text id=\"details\" x=\"\(Int(pad))\" y=\"\(height - 10)\"> </text>\n"
        svg += "<foreignObject x=\"\(options.width - 230)\" y=\"30\" width=\"220\" height=\"24\">"
        svg += "<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"search\" placeholder=\"Search (regex)\"/>"
        svg += "</foreignObject>\n"
        svg += "<g id=\"frames\">\n" + body + "</g>\n"
        svg += "<script type=\"text/ecmascript\"><![CDATA[\(FlameGraphScript.javascript)]]></script>\n"
        svg += "</svg>\n"
        return svg
    }

    /// Each call path's share of all samples, in percent: the key is the names from the
    /// root joined by U+0001 ("" for the root), as `render` walks them.
    static func shares(_ stacks: NamedStacks) -> (shares: [String: Double], total: UInt64) {
        let total = max(stacks.total, 1)
        var values: [String: UInt64] = ["": stacks.total]
        for stack in stacks.stacks {
            var path = ""
            for f in stack.path {
                path += "\u{1}" + stacks.functions[f].name
                values[path, default: 0] += stack.value
            }
        }
        return (values.mapValues { Double($0) / Double(total) * 100 }, total)
    }

    /// A change scaled to -1...1: red for growth, blue for shrinking, near white for none.
    static func difference(_ scaled: Double) -> String {
        let s = min(1, abs(scaled)), pale = Int(235 - 190 * s)
        return scaled >= 0 ? "rgb(250,\(pale),\(pale))" : "rgb(\(pale),\(pale),250)"
    }

    static func unit(_ kind: SampleKind) -> String { kind == .cpu ? "samples" : "ns" }

    static func percent(_ v: UInt64, _ total: UInt64) -> String {
        let hundredths = (v * 10000 + total / 2) / total
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)%"
    }

    static func fmt(_ v: Double) -> String {
        let hundredths = Int((v * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// The name cut to what fits at about 7 px per character ("" when under 3 characters fit).
    static func fitted(_ name: String, width: Double) -> String {
        let fits = Int((width - 6) / 7)
        if fits < 3 { return "" }
        return name.count <= fits ? name : String(name.prefix(fits - 2)) + ".."
    }

    /// Text and attribute values: names of C++ and Swift functions are full of < > &.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 forbids most control characters even escaped.
            case _ where c.value < 0x20: out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// flamegraph.pl's palettes by origin: warm for native code, orange for the
    /// kernel, green for JIT code, grey for thread roots and unwind markers; the
    /// shade comes from the name, so a function keeps its color between graphs.
    static func color(name: String, file: String) -> String {
        var h: UInt32 = 2166136261
        for b in name.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        let v = Double(h % 1000) / 1000
        let (r, g, b): (Double, Double, Double)
        if file.isEmpty { (r, g, b) = (170 + 40 * v, 170 + 40 * v, 180 + 40 * v) }
        else if file == "[jit]" { (r, g, b) = (50 + 60 * v, 190 + 50 * v, 50 + 60 * v) }
        else if file.hasPrefix("[") { (r, g, b) = (220 + 35 * v, 140 + 50 * v, 30 + 30 * v) }
        else { (r, g, b) = (205 + 50 * v, 230 * v, 55 * v) }
        return "rgb(\(Int(r)),\(Int(g)),\(Int(b)))"
    }
}
