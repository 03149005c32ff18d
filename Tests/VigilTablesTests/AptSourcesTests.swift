import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct AptSourcesTests {
    /// Each row is a repository `apt-cache policy` lists, with the release facts it shows
    /// (n= codename, o= origin, v= version).
    @Test func hostRowsMatchAptCachePolicy() throws {
        let rows = try query("SELECT * FROM apt_sources")
        let policy = try shell(["apt-cache", "policy"]).split(separator: "\n").map(String.init)
        for row in rows {
            let suite = String(row["name"]!.string.split(separator: " ").last!)
            let head = "\(row["base_uri"]!.string) \(suite)/"
            let i = try #require(policy.firstIndex { $0.contains(head) }, "apt-cache policy lists \(head)")
            let release = policy[i + 1]
            #expect(release.contains("n=\(row["release"]!.string)"), "\(release)")
            #expect(release.contains("o=\(row["maintainer"]!.string)"), "\(release)")
            if !row["version"]!.string.isEmpty { #expect(release.contains("v=\(row["version"]!.string)"), "\(release)") }
        }
    }

    /// One-line and deb822 files, options, disabled stanzas, deb-src, comments.
    @Test func bothFormatsParse() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let etc = dir.appendingPathComponent("etc"), lists = dir.appendingPathComponent("lists")
        try FileManager.default.createDirectory(at: etc.appendingPathComponent("sources.list.d"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: lists, withIntermediateDirectories: true)
        try """
            deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian/ bookworm main # comment
            deb-src http://mirror.example/debian bookworm main
            # deb http://commented.example/debian bookworm main
            """.write(to: etc.appendingPathComponent("sources.list"), atomically: true, encoding: .utf8)
        try """
            Types: deb deb-src
            URIs: https://repo.example/apt
            Suites: stable testing
            Components: main

            Types: deb
            Enabled: no
            URIs: https://off.example/apt
            Suites: stable
            """.write(to: etc.appendingPathComponent("sources.list.d/repo.sources"), atomically: true, encoding: .utf8)
        for (name, codename) in [("mirror.example_debian_dists_bookworm", "bookworm"), ("repo.example_apt_dists_stable", "stable-cn"),
                                 ("off.example_apt_dists_stable", "off")] {
            try "Origin: Example\nCodename: \(codename)\nVersion: 1.2\nComponents: main\nArchitectures: amd64\nDate: Sat, 1 Jan 2000 00:00:00 UTC\n"
                .write(to: lists.appendingPathComponent(name + "_Release"), atomically: true, encoding: .utf8)
        }
        let table = AptSourcesTable(etc: etc.path, lists: lists.path)
        let rows = try table.generate(QueryContext(schema: table.schema)).all()
        // repo.example testing has no Release file: no row, as in osquery.
        #expect(rows.map { $0["name"]!.string } == ["mirror.example/debian bookworm", "repo.example/apt stable"])
        #expect(rows.map { $0["base_uri"]!.string } == ["http://mirror.example/debian", "https://repo.example/apt"])
        #expect(rows.map { $0["release"]!.string } == ["bookworm", "stable-cn"])
        #expect(rows[0]["maintainer"]?.string == "Example")
        #expect(rows[0]["version"]?.string == "1.2")
        #expect(rows[1]["source"]?.string == etc.path + "/sources.list.d/repo.sources")
    }
}
