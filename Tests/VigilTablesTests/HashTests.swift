import Crypto
import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct HashTests {
    /// Digests of a file the test wrote against coreutils and swift-crypto.
    @Test func digestsMatchCoreutilsAndSwiftCrypto() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("payload.bin")
        // Over one read chunk (1 MiB) so the streaming path is exercised.
        let data = Data((0..<(1 << 20) + 12345).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try data.write(to: file)

        let rows = try query("SELECT path, directory, md5, sha1, sha256 FROM hash WHERE path = '\(file.path)'")
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        let tool = { (name: String) in try shell([name, file.path]).split(separator: " ").first.map(String.init) ?? "" }
        #expect(row["sha256"]?.string == (try tool("sha256sum")))
        #expect(row["md5"]?.string == (try tool("md5sum")))
        #expect(row["sha1"]?.string == (try tool("sha1sum")))
        let hex = { (d: any Sequence<UInt8>) in d.map { String(format: "%02x", $0) }.joined() }
        #expect(row["sha256"]?.string == hex(SHA256.hash(data: data)))
        #expect(row["md5"]?.string == hex(Insecure.MD5.hash(data: data)))
        #expect(row["sha1"]?.string == hex(Insecure.SHA1.hash(data: data)))
        #expect(row["directory"]?.string == dir.path)
    }

    @Test func missingPathGivesNoRows() throws {
        #expect(try query("SELECT * FROM hash WHERE path = '/nonexistent/vigil-\(UUID().uuidString)'").isEmpty)
    }

    /// /proc/self/mem opens but read() at offset 0 fails (EIO), and a FIFO would
    /// block a reader: both give a row with empty digests, not an error or a hang.
    @Test func unreadableFilesGiveEmptyDigests() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: (any Error).self) { try FileHandle(forReadingAtPath: "/proc/self/mem")?.read(upToCount: 1) }

        let rows = try query("SELECT path, md5, sha1, sha256 FROM hash WHERE path IN ('/proc/self/mem', '\(fifo)')")
        #expect(Set(rows.map { $0["path"]!.string }) == ["/proc/self/mem", fifo])
        for row in rows {
            #expect(row["md5"]?.string == "" && row["sha1"]?.string == "" && row["sha256"]?.string == "")
        }
    }

    /// `directory = X` hashes X's files and skips its subdirectories.
    @Test func directoryHashesFilesOnly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("one".utf8).write(to: dir.appendingPathComponent("one"))
        try Data("two".utf8).write(to: dir.appendingPathComponent("two"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: false)

        let rows = try query("SELECT path, sha256 FROM hash WHERE directory = '\(dir.path)'")
        let byPath = Dictionary(uniqueKeysWithValues: rows.map { ($0["path"]!.string, $0["sha256"]!.string) })
        let hex = { (s: String) in SHA256.hash(data: Data(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(byPath == [dir.appendingPathComponent("one").path: hex("one"), dir.appendingPathComponent("two").path: hex("two")])
    }
}
