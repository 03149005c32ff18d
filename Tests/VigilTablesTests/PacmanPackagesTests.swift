import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// A pacman local database the test writes in libalpm's layout (no Arch Linux on the
/// test machines), read by Vigil and by pacman itself (`pacman -Qi --dbpath`).
@Suite(.ownThread) struct PacmanPackagesTests {
    static func database() throws -> URL {
        let dir = try temporaryDirectory()
        let local = dir.appendingPathComponent("local")
        func package(_ folder: String, _ desc: String) throws {
            let d = local.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            try desc.write(to: d.appendingPathComponent("desc"), atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(at: local, withIntermediateDirectories: true)
        try "9\n".write(to: local.appendingPathComponent("ALPM_DB_VERSION"), atomically: true, encoding: .utf8)
        // Explicit (no %REASON%), an epoch, two licenses, two validations, a group.
        try package("lib32-gcc-libs-1:14.1.1+r1-1", """
            %NAME%
            lib32-gcc-libs

            %VERSION%
            1:14.1.1+r1-1

            %BASE%
            lib32-gcc

            %DESC%
            32-bit runtime libraries shipped by GCC

            %URL%
            https://gcc.gnu.org

            %ARCH%
            x86_64

            %BUILDDATE%
            1716800000

            %INSTALLDATE%
            1717000000

            %PACKAGER%
            Frederik Schwan <freswa@archlinux.org>

            %SIZE%
            47316992

            %GROUPS%
            multilib-devel

            %LICENSE%
            GPL-3.0-or-later
            LGPL-3.0+

            %VALIDATION%
            sha256
            pgp

            %DEPENDS%
            lib32-glibc>=2.27


            """)
        // A dependency.
        try package("zlib-1.3.1-2", """
            %NAME%
            zlib

            %VERSION%
            1.3.1-2

            %DESC%
            Compression library

            %ARCH%
            x86_64

            %SIZE%
            343040

            %REASON%
            1

            %LICENSE%
            Zlib

            %VALIDATION%
            pgp

            """)
        // A metapackage: no files, no %SIZE%; installed explicitly as reason 0.
        try package("base-3-2", "%NAME%\nbase\n\n%VERSION%\n3-2\n\n%ARCH%\nany\n\n%REASON%\n0\n\n")
        // An interrupted transaction's entry, without %NAME%: pacman shows it under its
        // folder's name, osquery and Vigil skip it.
        try package("broken-1.0-1", "%VERSION%\n1.0-1\n\n")
        return dir
    }

    /// pacman's own `-Qi` of the same database, as "Name" -> fields.
    static func pacmanInfo(_ dbpath: String) throws -> [String: [String: String]] {
        let out = try shell(["LC_ALL=C", "TZ=UTC", "pacman", "-Qi", "--dbpath", dbpath])
        var packages: [String: [String: String]] = [:]
        for block in out.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let colon = line.range(of: " : ") else { continue }
                fields[line[..<colon.lowerBound].trimmingCharacters(in: .whitespaces)] = String(line[colon.upperBound...])
            }
            if let name = fields["Name"] { packages[name] = fields }
        }
        return packages
    }

    @Test func matchesPacman() throws {
        let dir = try Self.database()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truth = try Self.pacmanInfo(dir.path)
        #expect(truth.keys.sorted() == ["base", "broken", "lib32-gcc-libs", "zlib"], "pacman -Qi lists \(truth.keys.sorted())")
        let rows = try query("SELECT * FROM pacman_packages WHERE dbpath = '\(dir.path)' ORDER BY name")
        #expect(rows.map { $0["name"]!.string } == ["base", "lib32-gcc-libs", "zlib"])
        func none(_ s: String) -> String { s.isEmpty ? "None" : s }
        for row in rows {
            let p = try #require(truth[row["name"]!.string])
            #expect(row["version"]?.string == p["Version"])
            #expect(none(row["description"]!.string) == p["Description"])
            #expect(row["arch"]?.string == p["Architecture"])
            #expect(none(row["url"]!.string) == p["URL"])
            #expect(none(row["packager"]!.string) == p["Packager"])
            // pacman separates list items with two spaces.
            #expect(none(row["licenses"]!.string.replacingOccurrences(of: ",", with: "  ")) == p["Licenses"])
            #expect(none(row["groups"]!.string.replacingOccurrences(of: ",", with: "  ")) == p["Groups"])
            let reason = ["explicit": "Explicitly installed", "dependency": "Installed as a dependency for another package"]
            #expect(reason[row["install_reason"]!.string] == p["Install Reason"])
            let validated = ["sha256": "SHA-256 Sum", "pgp": "Signature", "md5": "MD5 Sum"]
            let methods = row["validation"]!.string.split(separator: ",").map { validated[String($0)] ?? "?" }
            #expect((methods.isEmpty ? "Unknown" : methods.joined(separator: "  ")) == p["Validated By"])
            // Installed Size in KiB with two decimals (all sizes here are under a GiB).
            let size = row["size"]!.int
            let shown = size < 1024 ? "\(size).00 B" : size < 1 << 20 ? String(format: "%.2f KiB", Double(size) / 1024) : String(format: "%.2f MiB", Double(size) / 1_048_576)
            #expect(shown == p["Installed Size"], "\(row["name"]!.string): \(size)")
            for (column, field) in [("build_time", "Build Date"), ("install_time", "Install Date")] {
                let time = row[column]!
                // A date the entry does not record is NULL here (as in osquery); pacman shows time 0.
                let date = try shell(["LC_ALL=C", "TZ=UTC", "date", "-d", "@\(time.integer ?? 0)", "+%c"]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(date == p[field], "\(row["name"]!.string).\(column)")
            }
        }
        let gcc = try #require(rows.first { $0["name"]?.string == "lib32-gcc-libs" })
        #expect(gcc["source"]?.string == "lib32-gcc")
        #expect(gcc["licenses"]?.string == "GPL-3.0-or-later,LGPL-3.0+")
        #expect(gcc["build_time"]?.int == 1_716_800_000)
        #expect(rows.first { $0["name"]?.string == "base" }?["size"]?.int == 0)
    }

    /// `name =` reads only the matching folders; pacman's `-Q NAME` agrees.
    @Test func nameReadsOnlyThatPackage() throws {
        let dir = try Self.database()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gcc = try query("SELECT name, version FROM pacman_packages WHERE dbpath = '\(dir.path)' AND name = 'lib32-gcc-libs'")
        let truth = try shell(["pacman", "-Q", "--dbpath", dir.path, "lib32-gcc-libs"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(gcc.map { "\($0["name"]!.string) \($0["version"]!.string)" } == [truth])
        #expect(PacmanPackagesTable.packageName("lib32-gcc-libs-1:14.1.1+r1-1") == "lib32-gcc-libs")
        // Without dbpath, /var/lib/pacman: none on this Debian host, and no error.
        if !FileManager.default.fileExists(atPath: "/var/lib/pacman/local") {
            #expect(try query("SELECT * FROM pacman_packages").isEmpty)
        }
    }
}
