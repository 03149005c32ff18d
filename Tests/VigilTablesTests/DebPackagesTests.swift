import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct DebPackagesTests {
    /// The same packages, versions, architectures, sizes and states as dpkg-query reports.
    @Test func rowsMatchDpkgQuery() throws {
        let truth = try shell(["dpkg-query", "-W", "-f", "${Package}|${Version}|${Architecture}|${Installed-Size}|${Status}\n"])
        let expected = Set(truth.split(separator: "\n").map(String.init))
        try #require(!expected.isEmpty, "dpkg-query listed nothing; this is not a Debian system")

        let rows = try query("SELECT name, version, arch, size, status, revision, admindir FROM deb_packages")
        let seen = Set(rows.map { r in
            [r["name"]!.string, r["version"]!.string, r["arch"]!.string, r["size"]?.text ?? "", r["status"]!.string].joined(separator: "|")
        })
        #expect(seen == expected)
        #expect(rows.allSatisfy { $0["admindir"]?.string == "/var/lib/dpkg" })
        // Revision is what follows the last '-' of the version.
        for row in rows {
            let version = row["version"]!.string
            let revision = version.contains("-") ? String(version.split(separator: "-").last!) : ""
            #expect(row["revision"]?.string == revision, "\(row)")
        }
    }

    /// The Source field, without the version dpkg adds in parentheses.
    @Test func sourceMatchesDpkgQuery() throws {
        let truth = try shell(["dpkg-query", "-W", "-f", "${Package}|${Source}\n"])
        let expected = Set(truth.split(separator: "\n").map { line -> String in
            let parts = line.split(separator: "|", omittingEmptySubsequences: false)
            return "\(parts[0])|\(parts[1].split(separator: " ").first ?? "")"
        })
        let rows = try query("SELECT name, source FROM deb_packages")
        #expect(Set(rows.map { "\($0["name"]!.string)|\($0["source"]!.string)" }) == expected)
    }

    @Test func otherAdminDirectory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let status = """
            Package: vigil-demo
            Status: install ok installed
            Priority: optional
            Section: utils
            Installed-Size: 42
            Maintainer: Vigil Tests <tests@example.org>
            Architecture: amd64
            Source: vigil-src (1.0-1)
            Version: 1:1.2-3+deb12u1
            Description: test package
             with a continuation line

            Package: vigil-purged
            Status: purge ok not-installed
            Priority: optional

            """
        try Data(status.utf8).write(to: dir.appendingPathComponent("status"))
        let rows = try query("SELECT * FROM deb_packages WHERE admindir = '\(dir.path)'")
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row["name"]?.string == "vigil-demo")
        #expect(row["version"]?.string == "1:1.2-3+deb12u1")
        #expect(row["revision"]?.string == "3+deb12u1")
        #expect(row["source"]?.string == "vigil-src")
        #expect(row["size"]?.int == 42)
        #expect(row["arch"]?.string == "amd64")
        #expect(row["maintainer"]?.string == "Vigil Tests <tests@example.org>")
        #expect(row["section"]?.string == "utils")
        #expect(row["priority"]?.string == "optional")
        #expect(row["admindir"]?.string == dir.path)
    }
}
