import Foundation
import Testing
import VigilSystem
@testable import VigilProfile
import VigilTestSupport

@Suite("File IDs", .ownThread)
struct FileIDTests {
    /// The otel definition computed by coreutils and perl (essential on Debian):
    /// head -c 4096, tail -c 4096, the length as 8 big-endian bytes, sha256sum, first 32 hex digits.
    static func independentID(_ path: String) throws -> String {
        let script = """
        f='\(path)'
        { head -c 4096 "$f"; tail -c 4096 "$f"; perl -e 'print pack("Q>", shift)' "$(stat -c %s "$f")"; } | sha256sum | cut -c1-32
        """
        return try sh(script).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("SHA-256 of head, tail and big-endian length matches sha256sum", arguments: [0, 1, 100, 4095, 4096, 4097, 6000, 8192, 8193, 1_000_003])
    func matchesIndependentComputation(size: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = "\(dir)/f"
        // Bytes that differ everywhere, so a wrong offset changes the hash.
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let expected = try Self.independentID(path)
        #expect(expected.count == 32)
        #expect(try FileID.ofFile(path).description == expected)
    }

    @Test("A real executable: the file ID of /bin/ls")
    func realExecutable() throws {
        let path = try sh("readlink -f /bin/ls").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try FileID.ofFile(path).description == Self.independentID(path))
    }

    @Test("FNV-1a 128 matches the published test vectors")
    func fnv128() {
        // Offset basis for "", and the reference value for "a".
        var empty = FNV128a()
        empty.update([])
        #expect(Digest.hex(empty.digest) == "6c62272e07bb014262b821756295c58d")
        var a = FNV128a()
        a.update("a".utf8)
        #expect(Digest.hex(a.digest) == "d228cb696f1a8caf78912b704e4a8964")
    }

    @Test("The kernel's build ID from /sys/kernel/notes matches perf buildid-list -k")
    func kernelBuildID() throws {
        let kernel = KernelImage.current()
        guard let perf = which("perf"), let expected = try? run([perf, "buildid-list", "-k"]).trimmingCharacters(in: .whitespacesAndNewlines), !expected.isEmpty else {
            if inCI { Issue.record("perf missing in CI") }
            return
        }
        #expect(kernel.buildIDText == expected)
        // The kernel's file ID is FNV-1a-128 of the hex build ID (otel's FileIDFromKernelBuildID).
        var h = FNV128a()
        h.update(expected.utf8)
        #expect(kernel.fileID == FileID(bytes: h.digest))
    }

    @Test("Build-ID notes are found among other notes")
    func notesBlob() {
        // A "Linux" note first, then the GNU build ID, as /sys/kernel/notes has them.
        var blob: [UInt8] = []
        func word(_ v: UInt32) { withUnsafeBytes(of: v) { blob += $0 } }
        word(6); word(4); word(0x101); blob += Array("Linux\0\0\0".utf8); blob += [1, 2, 3, 4]
        word(4); word(20); word(3); blob += Array("GNU\0".utf8); blob += Array(0..<20)
        #expect(BuildID.find(inNotes: blob) == Array(0..<20))
        #expect(BuildID.find(inNotes: Array(blob.prefix(30))) == nil)
    }
}
