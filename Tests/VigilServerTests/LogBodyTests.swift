import Foundation
import Testing
@testable import VigilServer
import VigilTestSupport

/// The `/log` fast path against Foundation's JSON parser as the reference: the same
/// inputs accepted and refused, and each stored line the object the host sent with the
/// enrolled identity written over any it claimed.
@Suite(.ownThread) struct LogBodyTests {
    static func object(_ text: String) -> NSDictionary? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? NSDictionary
    }

    @Test func linesKeepTheHostsMembersUnderTheEnrolledIdentity() throws {
        let body = #"""
            {"node_key":"k\u0031", "log_type":"result", "data":[
              {"name":"pack/\"q\"","hostIdentifier":"liar","unixTime":1796515200,"columns":{"a":"x\ny","b":"\u00e9\ud83d\ude00","c":[1,-2.5e3,true,null,{}]},"action":"added"},
              {"host\u0049dentifier":"smuggled","name":7,"unixTime":"12"},
              42, "not a line",
              {}
            ]}
            """#
        let parsed = try LogBody(Array(body.utf8))
        #expect(parsed.nodeKey == "k1")
        #expect(parsed.logType == .result)
        #expect(parsed.lines.count == 3)
        let texts = parsed.lines.map { parsed.text($0, hostIdentifier: "web-\"1\"") }
        let first = try #require(Self.object(texts[0]))
        var expected = try #require(Self.object(#"{"name":"pack/\"q\"","unixTime":1796515200,"columns":{"a":"x\ny","b":"\u00e9\ud83d\ude00","c":[1,-2.5e3,true,null,{}]},"action":"added"}"#)) as! [String: Any]
        expected["hostIdentifier"] = "web-\"1\""
        #expect(first == expected as NSDictionary)
        #expect(parsed.lines[0].name == "pack/\"q\"" && parsed.lines[0].unixTime == 1796515200)
        // An escaped key is the same key: the claimed identity is dropped, not kept beside ours.
        #expect(Self.object(texts[1]) == ["hostIdentifier": "web-\"1\"", "name": 7, "unixTime": "12"] as NSDictionary)
        #expect(parsed.lines[1].name == "7" && parsed.lines[1].unixTime == 12)
        #expect(Self.object(texts[2]) == ["hostIdentifier": "web-\"1\""] as NSDictionary)
    }

    @Test func malformedBodiesAreRefusedAsFoundationRefusesThem() throws {
        let element = #"{"name":"q","columns":{"v":"1"}}"#
        let bad = [
            #"{"node_key":"k","log_type":"result","data":[\#(element),]}"#,
            #"{"node_key":"k","log_type":"result","data":[\#(element)]"#,
            #"{"node_key":"k","log_type":"result","data":[{"name":"a\qb"}]}"#,
            "{\"node_key\":\"k\",\"log_type\":\"result\",\"data\":[{\"name\":\"a\u{1}b\"}]}",
            #"{"node_key":"k","log_type":"result","data":[{"n":01}]}"#,
            #"{"node_key":"k","log_type":"result","data":[{"n":1.}]}"#,
            #"{"node_key":"k","log_type":"result","data":[{"n":tru}]}"#,
            #"{"node_key":"k","log_type":"result","data":[{"n":"\u12"}]}"#,
            #"{"node_key":"k","log_type":"result","data":[]} x"#,
            #"{"node_key":"k" "log_type":"result","data":[]}"#,
        ]
        for text in bad {
            #expect(throws: JSONScanner.Malformed.self, "\(text)") { try LogBody(Array(text.utf8)) }
            // Foundation's parser is lenient about a trailing comma; RFC 8259 (and osquery) are not.
            if !text.contains(",]") {
                #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) == nil, "Foundation accepts \(text)")
            }
        }
        // Nesting is bounded: a deep value is refused before it can exhaust the stack.
        let deep = #"{"node_key":"k","log_type":"result","data":[{"v":"# + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}]}"
        #expect(throws: JSONScanner.Malformed.self) { try LogBody(Array(deep.utf8)) }
        // Missing fields are named.
        #expect(throws: JSONScanner.Malformed.self) { try LogBody(Array(#"{"node_key":"k","data":[]}"#.utf8)) }
    }

    /// Random single-byte changes to a valid body: the scanner and Foundation agree on
    /// which are JSON, and what the scanner keeps of each line is what Foundation reads.
    @Test func mutatedBodiesAgreeWithFoundation() throws {
        let base = Array(#"{"node_key":"abc","log_type":"status","data":[{"name":"q","unixTime":12,"columns":{"a":[1,2.5,-3e2],"b":"x\"y","c":null,"d":false}},{"x":{}}]}"#.utf8)
        let alphabet = Array(#"{}[]",:\ -+.eE0123456789truefalsnl"#.utf8)
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = base
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[at] = alphabet.randomElement(using: &generator)!
            case 1: bytes.remove(at: at)
            default: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
            }
            // Foundation accepts a trailing comma, which RFC 8259 does not: not a disagreement to test.
            let text = String(decoding: bytes, as: UTF8.self)
            if text.contains(",}") || text.contains(",]") { continue }
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? NSDictionary
            let scanned = try? LogBody(bytes)
            guard let foundation, foundation["node_key"] is String, foundation["log_type"] is String, let data = foundation["data"] as? [Any] else {
                // Not JSON, or not a log request: the scanner refuses it too (when it is not JSON at all).
                if (try? JSONSerialization.jsonObject(with: Data(bytes))) == nil {
                    #expect(scanned == nil, "accepted what Foundation refuses: \(String(decoding: bytes, as: UTF8.self))")
                }
                continue
            }
            let body = try #require(scanned, "refused what Foundation reads: \(String(decoding: bytes, as: UTF8.self))")
            accepted += 1
            let objects = data.compactMap { $0 as? [String: Any] }
            #expect(body.lines.count == objects.count)
            for (line, object) in zip(body.lines, objects) {
                var expected = object
                expected["hostIdentifier"] = "h"
                #expect(Self.object(body.text(line, hostIdentifier: "h")) == expected as NSDictionary)
            }
        }
        #expect(accepted > 50)
    }
}
