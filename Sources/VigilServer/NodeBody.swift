import VigilWire

/// The body of a config or distributed read request (`{"node_key": …}`), read with the
/// scanner: these two, with `/log`, are most of what a fleet sends, and Foundation's
/// decoder cost more than the rest of their parsing. Types are checked as the decoder
/// checks them: `node_key` a string, `etag` a string or null; other members are skipped.
enum NodeBody {
    static func parse(_ bytes: [UInt8]) throws(JSONScanner.Malformed) -> NodeRequest {
        var scanner = JSONScanner(bytes)
        var nodeKey: String?, etag: String?
        try scanner.object { (key: Range<Int>, s: inout JSONScanner) throws(JSONScanner.Malformed) in
            switch s.text(key) {
            case "node_key":
                nodeKey = try string(&s, member: "node_key")
            case "etag":
                let at = s.position
                let v = try s.value(depth: 1)
                switch bytes[v.lowerBound] {
                case UInt8(ascii: "\""): etag = s.text(v)
                case UInt8(ascii: "n"): etag = nil
                default: throw JSONScanner.Malformed(offset: at, reason: "etag is a string")
                }
            default: break
            }
        }
        try scanner.end()
        guard let nodeKey else { throw JSONScanner.Malformed(offset: 0, reason: "node_key (a string) is required") }
        return NodeRequest(nodeKey: nodeKey, etag: etag)
    }

    private static func string(_ s: inout JSONScanner, member: String) throws(JSONScanner.Malformed) -> String {
        s.skipWhitespace()
        let at = s.position
        let v = try s.value(depth: 1)
        guard s.bytes[v.lowerBound] == UInt8(ascii: "\"") else { throw JSONScanner.Malformed(offset: at, reason: "\(member) is a string") }
        return s.text(v)
    }
}
