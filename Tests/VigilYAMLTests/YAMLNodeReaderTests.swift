import Testing
import VigilYAML
import Yams
import VigilTestSupport

/// A reader with the defaults (a policy's wording) and one with every wording changed.
private struct Strict: YAMLNodeReader {
    typealias Document = Strict
    typealias Integer = Int64
    static let wording = YAMLWording(empty: "the file is empty")
    let file = "s.yaml"
}

private struct Lenient: YAMLNodeReader {
    typealias Document = Lenient
    typealias Integer = Int
    static let wording = YAMLWording(
        empty: "nothing here", integer: "a whole number", range: .atLeast,
        invalid: "invalid YAML or JSON", unreadable: "cannot read", duplicateKeyAdvice: "; once", locatesUnreadableText: false)
    let file = "l.json"
    func integerValue(_ text: String) -> Int? { Int(text.filter { $0 != " " }) }
}

@Suite(.ownThread) struct YAMLNodeReaderTests {
    func reason<R: YAMLNodeReader>(_ reader: R, _ body: (R) throws(R.Failure) -> Void) -> String {
        do {
            try body(reader)
            return "no error"
        } catch {
            return error.description
        }
    }

    @Test func numbersAndRanges() throws {
        let s = Strict(), l = Lenient()
        #expect(reason(s) { r throws(Strict.Failure) in _ = try r.integer(r.compose("x"), for: "n") } == "s.yaml:1:1: expected an integer for n, found 'x'")
        #expect(reason(s) { r throws(Strict.Failure) in _ = try r.integer(r.compose("9"), for: "n", in: 1...5) } == "s.yaml:1:1: n must be between 1 and 5, found 9")
        #expect(reason(l) { r throws(Lenient.Failure) in _ = try r.integer(r.compose("x"), for: "n") } == "l.json:1:1: expected a whole number for n, found 'x'")
        #expect(reason(l) { r throws(Lenient.Failure) in _ = try r.integer(r.compose("0"), for: "n", in: 1...Int.max) } == "l.json:1:1: n must be at least 1, found 0")
        #expect(reason(l) { r throws(Lenient.Failure) in _ = try r.integer(r.compose("9"), for: "n", in: 1...5) } == "l.json:1:1: n must be at least 1 and at most 5, found 9")
        #expect(try l.integer(l.compose("' 7 '"), for: "n") == 7)
    }

    @Test func entries() throws {
        let s = Strict()
        var unknown: [String] = []
        let e = try s.mappingEntries(s.compose("a: 1\nb: [x, y]\nc: 3\n"), in: "top", allowed: ["a", "b"]) { unknown.append($0.key) }
        #expect(e.all.map(\.key) == ["a", "b"] && unknown == ["c"])
        #expect(try s.strings(#require(e["b"]).value, for: "b").map(\.0) == ["x", "y"])
        #expect(reason(s) { r throws(Strict.Failure) in _ = try r.mappingEntries(r.compose("- 1\n"), in: "top") } == "s.yaml:1:1: expected a mapping for top, found a list")
        #expect(reason(s) { r throws(Strict.Failure) in _ = try r.mappingEntries(r.compose("? [k]\n: 1\n"), in: "top", keyExpected: "a name") } == "s.yaml:1:3: expected a name, found a list")
        #expect(Suggestion.hint(for: "evnt", among: ["event", "name"]) == "; did you mean 'event'?")
        #expect(Suggestion.hint(for: "zzzz", among: ["event", "name"]) == "; expected one of: event, name")
    }

    /// A value quoted back is cut: a file that is not YAML at all (/etc/passwd read as a
    /// policy: one plain scalar) is named by its start, not repeated whole.
    @Test func longValuesAreCutInMessages() throws {
        let s = Strict()
        let passwd = (0..<30).map { "user\($0):x:\($0):\($0)::/home/user\($0):/bin/sh" }.joined(separator: "\n")
        let message = reason(s) { r throws(Strict.Failure) in _ = try r.mappingEntries(r.compose(passwd), in: "the policy") }
        #expect(message == "s.yaml:1:1: expected a mapping for the policy, found 'user0:x:0:0::/home/user0:/bin/sh user1:x:1:1::/home/user1:/b…'")
        #expect(s.quoted("twelve chars") == "'twelve chars'")
        #expect(s.quoted("first\nsecond") == "'first…'")
        #expect(s.quoted(String(repeating: "x", count: 61)) == "'\(String(repeating: "x", count: 60))…'")
        #expect(s.quoted(String(repeating: "x", count: 60)) == "'\(String(repeating: "x", count: 60))'")
    }

    @Test func syntax() {
        #expect(reason(Strict()) { r throws(Strict.Failure) in _ = try r.compose("") } == "s.yaml:1:1: the file is empty")
        #expect(reason(Strict()) { r throws(Strict.Failure) in _ = try r.compose("a: 1\na: 2\n") } == "s.yaml:1:1: duplicate key 'a'")
        #expect(reason(Lenient()) { r throws(Lenient.Failure) in _ = try r.compose("a: 1\na: 2\n") } == "l.json:1:1: duplicate key 'a'; once")
        #expect(reason(Strict()) { r throws(Strict.Failure) in _ = try r.compose("a: 1\nb: \u{1}\n") } == "s.yaml:2:4: invalid YAML: control characters are not allowed")
        #expect(reason(Lenient()) { r throws(Lenient.Failure) in _ = try r.compose("a: 1\nb: \u{1}\n") }.hasPrefix("l.json:1:1: invalid YAML or JSON: "))
        #expect(YAMLPosition.of(utf8Offset: 7, in: "a: é\nbc") == (2, 2))
    }
}
