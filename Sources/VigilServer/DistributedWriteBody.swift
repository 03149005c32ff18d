import Foundation
import VigilWire

/// A distributed write (a host's answers to live queries, labels and detail queries) read
/// with the scanner: each answer's rows kept as the host sent them, up to the row limit,
/// and the rest only checked and counted. A host that answers with a million rows then
/// costs one pass over its bytes, not a decoded tree of every row (5.8 s for a million
/// with the typed decoder).
struct DistributedWriteBody {
    struct Answer {
        /// The first rows (objects), as byte ranges of the body.
        var rows: [Range<Int>] = []
        /// Every row object the host sent, kept or not.
        var total = 0
    }

    var nodeKey = ""
    var answers: [String: Answer] = [:]
    var statuses: [String: Int] = [:]
    var messages: [String: String] = [:]
    /// Vigil's write-and-read: seconds the read that follows may be held.
    var wait: Int?
    let bytes: [UInt8]

    init(_ bytes: [UInt8], rowLimit: Int) throws(JSONScanner.Malformed) {
        self.bytes = bytes
        var scanner = JSONScanner(bytes)
        var nodeKey: String?, answers: [String: Answer] = [:], statuses: [String: Int] = [:], messages: [String: String] = [:], wait: Int?
        func isString(_ s: JSONScanner, _ v: Range<Int>) -> Bool { bytes[v.lowerBound] == UInt8(ascii: "\"") }
        try scanner.object { (key: Range<Int>, s: inout JSONScanner) throws(JSONScanner.Malformed) in
            switch s.text(key) {
            case "node_key":
                let v = try s.value(depth: 1)
                if isString(s, v) { nodeKey = s.text(v) }
            case "queries":
                try Self.objectMember(&s, "queries is an object of query ids") { (id: String, q: inout JSONScanner) throws(JSONScanner.Malformed) in
                    var answer = Answer()
                    q.skipWhitespace()
                    // osquery sends "" for a query without rows on some versions: no rows.
                    if q.position < bytes.count, bytes[q.position] == UInt8(ascii: "[") {
                        try q.array(depth: 2) { (r: inout JSONScanner) throws(JSONScanner.Malformed) in
                            r.skipWhitespace()
                            // Rows that are not objects are skipped, as the typed decoder did.
                            guard r.position < bytes.count, bytes[r.position] == UInt8(ascii: "{") else { return }
                            let row = try r.value(depth: 3)
                            answer.total += 1
                            if answer.rows.count < rowLimit { answer.rows.append(row) }
                        }
                    }
                    answers[id] = answer
                }
            case "statuses":
                // Numbers, or numbers as text (osquery sends both).
                try Self.objectMember(&s, "statuses is an object of query ids") { (id: String, q: inout JSONScanner) throws(JSONScanner.Malformed) in
                    let v = try q.value(depth: 2)
                    let text = isString(q, v) ? q.text(v) : String(decoding: bytes[v], as: UTF8.self)
                    if let status = Int(text) { statuses[id] = status }
                }
            case "messages":
                try Self.objectMember(&s, "messages is an object of query ids") { (id: String, q: inout JSONScanner) throws(JSONScanner.Malformed) in
                    let v = try q.value(depth: 2)
                    guard isString(q, v) else { throw JSONScanner.Malformed(offset: v.lowerBound, reason: "a message is a string") }
                    messages[id] = q.text(v)
                }
            case "wait":
                let v = try s.value(depth: 1)
                guard let seconds = Int(String(decoding: bytes[v], as: UTF8.self)) else {
                    throw JSONScanner.Malformed(offset: v.lowerBound, reason: "wait is a whole number of seconds")
                }
                wait = seconds
            default: break
            }
        }
        try scanner.end()
        guard let nodeKey else { throw JSONScanner.Malformed(offset: 0, reason: "a distributed write has node_key (a string)") }
        self.nodeKey = nodeKey
        self.answers = answers
        self.statuses = statuses
        self.messages = messages
        self.wait = wait
    }

    /// An object member whose value must be an object (keyed by query id); null is none.
    private static func objectMember(_ s: inout JSONScanner, _ what: String,
                                     _ member: (String, inout JSONScanner) throws(JSONScanner.Malformed) -> Void) throws(JSONScanner.Malformed) {
        s.skipWhitespace()
        guard s.position < s.bytes.count else { throw JSONScanner.Malformed(offset: s.position, reason: "unexpected end") }
        if s.bytes[s.position] == UInt8(ascii: "n") { try s.value(depth: 1); return }
        guard s.bytes[s.position] == UInt8(ascii: "{") else { throw JSONScanner.Malformed(offset: s.position, reason: what) }
        try s.object(depth: 1) { (key: Range<Int>, q: inout JSONScanner) throws(JSONScanner.Malformed) in
            try member(q.text(key), &q)
        }
    }

    /// A kept row as stored: the object as the host sent it.
    func row(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    /// The answers to detail queries, decoded (a few small rows), for `DetailQueries.update`.
    func detailRequest() -> DistributedWriteRequest {
        var queries: [String: [[String: JSONValue]]] = [:]
        for (id, answer) in answers where id.hasPrefix(DetailQueries.prefix) {
            queries[id] = answer.rows.prefix(256).compactMap { try? WireCoding.decode([String: JSONValue].self, from: Data(bytes[$0])) }
        }
        return DistributedWriteRequest(nodeKey: nodeKey, queries: queries, statuses: statuses)
    }
}
