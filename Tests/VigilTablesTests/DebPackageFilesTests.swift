import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct DebPackageFilesTests {
    /// The paths of a package, in order, are those `dpkg -L` prints (its "diverted by"
    /// notes left out); libc6 is Multi-Arch: same, so its list is libc6:amd64.list.
    @Test(arguments: ["coreutils", "libc6"]) func pathsMatchDpkgL(package: String) throws {
        let rows = try query("SELECT path FROM deb_package_files WHERE package = '\(package)'")
        let expected = try shell(["dpkg", "-L", package]).split(separator: "\n").filter { $0.hasPrefix("/") }.map(String.init)
        #expect(!expected.isEmpty)
        #expect(rows.map { $0["path"]!.string } == expected)
    }

    /// osquery's columns (its spec as merged): package, path and admindir, nothing else.
    @Test func columnsAreOsquerys() throws {
        let rows = try query("SELECT * FROM deb_package_files WHERE package = 'coreutils'")
        let row = try #require(rows.first)
        #expect(Set(row.keys) == ["package", "path", "admindir"])
        #expect(row["admindir"]?.string == "/var/lib/dpkg")
    }

    /// `path =` alone finds the owning package, as `dpkg -S` does.
    @Test func pathFindsItsPackage() throws {
        let path = "/usr/bin/dpkg"
        let owner = try shell(["dpkg", "-S", path]).split(separator: ":").first.map(String.init)
        #expect(try query("SELECT package FROM deb_package_files WHERE path = '\(path)'").map { $0["package"]!.string } == [owner!])
    }

    /// Another dpkg database through `admindir =`: a not-installed stanza has no rows, a
    /// listed path need not exist, and a directory that is no dpkg database is an error.
    @Test func adminDirectoryFixture() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("info"), withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("payload")
        try Data(repeating: 7, count: 1234).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: file.path)
        try """
            Package: fixture
            Status: install ok installed
            Architecture: amd64
            Version: 1.0

            Package: gone
            Status: purge ok not-installed
            Architecture: all

            """.write(to: dir.appendingPathComponent("status"), atomically: true, encoding: .utf8)
        try "/.\n\(file.path)\n/nonexistent-vigil-path\n".write(to: dir.appendingPathComponent("info/fixture:amd64.list"), atomically: true, encoding: .utf8)
        try "/etc\n".write(to: dir.appendingPathComponent("info/gone.list"), atomically: true, encoding: .utf8)
        let rows = try query("SELECT * FROM deb_package_files WHERE admindir = '\(dir.path)'")
        #expect(rows.map { $0["path"]!.string } == ["/.", file.path, "/nonexistent-vigil-path"])
        #expect(rows.allSatisfy { $0["package"]?.string == "fixture" && $0["admindir"]?.string == dir.path })
        #expect(throws: (any Error).self) { try query("SELECT * FROM deb_package_files WHERE admindir = '\(dir.path)/info'") }
    }
}
