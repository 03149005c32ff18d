import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// npm_packages against `npm ls --all --parseable --long`: Debian's global
/// /usr/lib/node_modules (npm and its bundled dependencies), and a project the
/// test lays out with a scoped package and a nested dependency.
@Suite(.ownThread) struct NpmPackagesTests {
    /// path → "name@version" from npm ls's parseable lines (path:name@version[:flags]).
    static func npmList(_ arguments: [String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try shell(["npm", "ls", "--all", "--parseable", "--long"] + arguments).split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 2, f[0].contains("/node_modules/") else { continue }
            // An alias ("wrap-ansi-cjs": "npm:wrap-ansi@^7") shows as alias@npm:name@version;
            // package.json holds the real name, which is what the table reports.
            out[String(f[0])] = f[1].hasSuffix("@npm") && f.count >= 3 ? String(f[2]) : String(f[1])
        }
        return out
    }

    @Test func globalPackagesMatchNpmLs() throws {
        guard FileManager.default.fileExists(atPath: "/usr/lib/node_modules/npm") else { return }
        let expected = try Self.npmList(["-g"]).filter { $0.key.hasPrefix("/usr/lib/node_modules/") }
        try #require(!expected.isEmpty)
        let rows = try query("SELECT name, version, path FROM npm_packages WHERE directory = '/usr/lib' AND max_depth = -1")
        #expect(Dictionary(rows.map { ($0["path"]!.string, "\($0["name"]!.string)@\($0["version"]!.string)") }, uniquingKeysWith: { a, _ in a }) == expected)
        #expect(Set(rows.map { $0["path"]!.string }).count == rows.count)
    }

    @Test func projectMatchesNpmLs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = [
            "node_modules/a/package.json": #"{"name":"a","version":"1.0.0","description":"A","author":"Ann <a@example.com>","license":"MIT","homepage":"http://a.example"}"#,
            "node_modules/a/node_modules/c/package.json": #"{"name":"c","version":"3.0.0","author":{"name":"Cee"}}"#,
            "node_modules/@s/b/package.json": #"{"name":"@s/b","version":"2.0.0"}"#,
        ]
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try Self.npmList(["--prefix", dir.path])
        try #require(expected.count == 3, "npm ls: \(expected)")

        let rows = try query("SELECT * FROM npm_packages WHERE directory = '\(dir.path)'")
        #expect(Dictionary(rows.map { ($0["path"]!.string, "\($0["name"]!.string)@\($0["version"]!.string)") }, uniquingKeysWith: { a, _ in a }) == expected)
        let byName = Dictionary(rows.map { ($0["name"]!.string, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["a"]?["author"]?.string == "Ann <a@example.com>")
        #expect(byName["a"]?["license"]?.string == "MIT")
        #expect(byName["a"]?["homepage"]?.string == "http://a.example")
        #expect(byName["c"]?["author"]?.string == "Cee")
        #expect(byName["a"]?["depth"]?.int == 0 && byName["@s/b"]?["depth"]?.int == 0 && byName["c"]?["depth"]?.int == 1)
        // max_depth = 0: direct dependencies only.
        #expect(Set(try query("SELECT name FROM npm_packages WHERE directory = '\(dir.path)' AND max_depth = 0").map { $0["name"]!.string }) == ["a", "@s/b"])
    }
}
