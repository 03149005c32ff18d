import Foundation
import Testing
@testable import VigilServer
import VigilWire
import VigilTestSupport

/// Config and read bodies read by the scanner agree with Foundation's decoder, which
/// read them before: the same requests accepted, with the same values, and the same refused.
@Suite(.ownThread) struct NodeBodyTests {
    static let accepted: [(String, NodeRequest)] = [
        (#"{"node_key":"abc"}"#, NodeRequest(nodeKey: "abc")),
        (#" { "node_key" : "abc" , "etag" : "e1" } "#, NodeRequest(nodeKey: "abc", etag: "e1")),
        (#"{"node_key":"abc","etag":null}"#, NodeRequest(nodeKey: "abc")),
        (#"{"extra":{"a":[1,2,{"b":null}]},"node_key":"a\u00e9\"b","n":-1.5e3}"#, NodeRequest(nodeKey: "aé\"b")),
        (#"{"node_key":""}"#, NodeRequest(nodeKey: "")),
    ]

    static let refused = [
        "", "[]", "null", #"{"etag":"e"}"#, #"{"node_key":1}"#, #"{"node_key":null}"#, #"{"node_key":["a"]}"#,
        #"{"node_key":"a","etag":5}"#, #"{"node_key":"a"} x"#, #"{"node_key":"a""#, #"{"node_key":"a\q"}"#,
    ]

    @Test func acceptsWhatTheDecoderAccepts() throws {
        for (text, expected) in Self.accepted {
            let bytes = Array(text.utf8)
            #expect(try NodeBody.parse(bytes) == expected, "\(text)")
            #expect(try WireCoding.decode(NodeRequest.self, from: Data(bytes)) == expected, "\(text)")
        }
    }

    @Test func refusesWhatTheDecoderRefuses() {
        for text in Self.refused {
            let bytes = Array(text.utf8)
            #expect(throws: JSONScanner.Malformed.self, "\(text)") { try NodeBody.parse(bytes) }
            #expect(throws: WireError.self, "\(text)") { try WireCoding.decode(NodeRequest.self, from: Data(bytes)) }
        }
    }
}
