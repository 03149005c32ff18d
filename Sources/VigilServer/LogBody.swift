import VigilSystem
import VigilWire

/// A `/log` request read with the scanner: each line's members kept as the host sent
/// them, so that storing a line costs one pass over its bytes.
struct LogBody {
    struct Line {
        /// The line's members, key and value as their bytes in the body, less any
        /// `hostIdentifier` (the server writes the enrolled one).
        var members: [(key: Range<Int>, value: Range<Int>)] = []
        var name = ""
        var unixTime: Int64?
    }

    var nodeKey = ""
    var logType: LogRequest.LogType?
    var lines: [Line] = []
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) throws(JSONScanner.Malformed) {
        self.bytes = bytes
        var scanner = JSONScanner(bytes)
        var nodeKey: String?, logType: String?, lines: [Line] = [], sawData = false
        try scanner.object { (key: Range<Int>, s: inout JSONScanner) throws(JSONScanner.Malformed) in
            switch s.text(key) {
            case "node_key":
                let v = try s.value(depth: 1)
                if bytes[v.lowerBound] == UInt8(ascii: "\"") { nodeKey = s.text(v) }
            case "log_type":
                let v = try s.value(depth: 1)
                if bytes[v.lowerBound] == UInt8(ascii: "\"") { logType = s.text(v) }
            case "data":
                sawData = true
                s.skipWhitespace()
                // Anything but an array is refused, as the typed decoder refuses it.
                guard s.position < bytes.count, bytes[s.position] == UInt8(ascii: "[") else {
                    throw JSONScanner.Malformed(offset: s.position, reason: "data is an array of log lines")
                }
                try s.array(depth: 1) { (e: inout JSONScanner) throws(JSONScanner.Malformed) in
                    e.skipWhitespace()
                    // Lines that are not objects are skipped, as before.
                    guard e.position < bytes.count, bytes[e.position] == UInt8(ascii: "{") else { return }
                    lines.append(try Self.line(&e))
                }
            default: break
            }
        }
        try scanner.end()
        guard let nodeKey, let logType, sawData else {
            throw JSONScanner.Malformed(offset: 0, reason: "a log request has node_key and log_type (strings) and data (an array)")
        }
        self.nodeKey = nodeKey
        self.logType = LogRequest.LogType(rawValue: logType)
        self.lines = lines
    }

    private static func line(_ s: inout JSONScanner) throws(JSONScanner.Malformed) -> Line {
        var line = Line()
        try s.object(depth: 2) { (key: Range<Int>, m: inout JSONScanner) throws(JSONScanner.Malformed) in
            let value = try m.value(depth: 3)
            let name = m.text(key)
            let isString = m.bytes[value.lowerBound] == UInt8(ascii: "\"")
            switch name {
            case "hostIdentifier": return
            case "name": line.name = isString ? m.text(value) : String(decoding: m.bytes[value], as: UTF8.self)
            case "unixTime": line.unixTime = Int64(isString ? m.text(value) : String(decoding: m.bytes[value], as: UTF8.self))
            default: break
            }
            line.members.append((key, value))
        }
        return line
    }

    /// A line as stored: the host's members in its order, after the enrolled identity.
    func text(_ line: Line, hostIdentifier: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(line.members.reduce(32 + hostIdentifier.utf8.count) { $0 + $1.key.count + $1.value.count + 2 })
        out += Array("{\"hostIdentifier\":".utf8) + Array(JSON.string(hostIdentifier).utf8)
        for member in line.members {
            out.append(UInt8(ascii: ","))
            out += bytes[member.key]
            out.append(UInt8(ascii: ":"))
            out += bytes[member.value]
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
