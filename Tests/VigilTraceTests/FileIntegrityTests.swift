import Testing
@testable import VigilTrace
import VigilTestSupport

/// What the kernel filters on, and how calls become file changes.
@Suite(.ownThread) struct FileIntegrityTests {
    @Test func kernelPrefixesDropCoveredOnesAndMergeToFit() {
        #expect(FileIntegrityOptions(prefixes: ["/etc/", "/etc/ssh/", "/root/.ssh/"]).kernelPrefixes == ["/etc/", "/root/.ssh/"])
        // Eleven prefixes into eight slots: the closest ones share a parent directory.
        let many = (0..<10).map { "/srv/app\($0)/conf/" } + ["/etc/"]
        let merged = FileIntegrityOptions(prefixes: many).kernelPrefixes
        #expect(merged.count <= 8)
        for p in many { #expect(merged.contains { p.hasPrefix($0) }, "\(p) not covered by \(merged)") }
        // "/" (or a pattern starting with %) means every path: no kernel filter.
        #expect(FileIntegrityOptions(prefixes: ["/"]).kernelPrefixes.isEmpty)
        let long = "/" + String(repeating: "d/", count: 100) + "file"
        let cut = FileIntegrityOptions(prefixes: [long]).kernelPrefixes
        #expect(cut.count == 1 && cut[0].utf8.count < 128 && long.hasPrefix(cut[0]) && cut[0].hasSuffix("/"))
    }

    @Test func relativeNamesResolveAgainstTheirDirectory() {
        #expect(SyscallEvent.resolve("a.txt", against: "/tmp/x") == "/tmp/x/a.txt")
        #expect(SyscallEvent.resolve("../b/./c", against: "/tmp/x") == "/tmp/b/c")
        #expect(SyscallEvent.resolve("/etc//passwd", against: nil) == "/etc/passwd")
        #expect(SyscallEvent.resolve("", against: "/tmp/file") == "/tmp/file")
        #expect(SyscallEvent.resolve("a", against: nil) == nil)
    }
}
