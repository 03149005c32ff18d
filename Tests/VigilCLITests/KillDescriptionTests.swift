import Foundation
import Testing
import VigilTestSupport

/// What `kill` does is said the same, true, way everywhere it is described: the
/// process dies when the call returns; the call is not undone (TracePolicyTests
/// checks that on a real `rm`). Promises that it acts before the call are gone.
@Suite(.ownThread) struct KillDescriptionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func text(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The documents and every example policy with a kill action.
    func places() throws -> [String] {
        let examples = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("examples/policies").path)
            .filter { $0.hasSuffix(".yaml") }.map { "examples/policies/" + $0 }
        return try ["README.md", "docs/policy.md", "docs/events.md"] + examples.filter { try text($0).contains("- kill") }
    }

    @Test func everyDescriptionSaysTheCallIsNotUndone() throws {
        let places = try places()
        #expect(places.contains { $0.hasPrefix("examples/") }, "the example policies with a kill rule are checked")
        for path in places {
            // Words across line breaks and YAML comment marks.
            let flat = try text(path).split(whereSeparator: { $0 == " " || $0 == "\n" }).filter { $0 != "#" }.joined(separator: " ")
            #expect(flat.contains("not undone"), "\(path) must say that kill does not undo the call")
            for promise in ["never sees the result", "killed before unlinkat runs", "the result is never used"] {
                #expect(!flat.contains(promise), "\(path) still says '\(promise)'")
            }
        }
    }

    @Test(.requiresRoot) func doctorSaysWhatKillDoes() throws {
        try requireRoot()
        let r = try CLI.run(["doctor"])
        let line = DoctorTests.line(r.stdout + r.stderr, "vigil trace: kill rules")
        #expect(line?.detail.contains("the process dies when the call returns; the call is not undone") == true, "\(r.stdout)")
    }
}
