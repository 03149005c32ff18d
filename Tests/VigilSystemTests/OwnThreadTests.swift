import Foundation
import Testing
import VigilTestSupport

/// Test bodies run off the cooperative pool (`OwnThread`): a synchronous test that waits
/// on a process must not take a pool thread from every server and sleep in the process.
@Suite(.ownThread)
struct OwnThreadTests {
    /// The kernel's name for the calling thread.
    static var threadName: String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aSynchronousTestRunsOnAThreadOfItsOwn() {
        #expect(Self.threadName == "vigil-test")
    }

    @Test func anAsynchronousTestDoesTooAcrossSuspensions() async throws {
        #expect(Self.threadName == "vigil-test")
        try await Task.sleep(for: .milliseconds(20))
        #expect(Self.threadName == "vigil-test")
    }

    /// Every suite in the test sources carries the trait (nested ones inherit it).
    @Test func everySuiteCarriesIt() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        var missing: [String] = []
        let files = try #require(FileManager.default.enumerator(atPath: tests.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        for file in files {
            let text = try String(contentsOfFile: tests.path + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("@Suite") && !line.contains(".ownThread") {
                missing.append("\(file): \(line)")
            }
        }
        #expect(files.count > 100)
        #expect(missing.isEmpty, "\(missing)")
    }
}
