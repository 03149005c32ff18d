import Foundation
import Testing
import VigilSQL
import VigilSystem
import VigilTables
import VigilTestSupport

/// rpm_packages and rpm_package_files on an RPM database the test builds with
/// Debian's rpm tools (rpmbuild, then rpm -i --justdb), compared with what
/// `rpm -qa --qf` and `rpm -ql --dump` print for the same database.
@Suite(.ownThread, .serialized) struct RpmTests {
    /// A database with two packages: one with an epoch, one without; one file each
    /// plus a directory, with modes and owners set in the spec.
    static func buildDatabase() throws -> (dir: URL, db: String) {
        let dir = try temporaryDirectory()
        let db = dir.appendingPathComponent("db").path
        try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
        _ = try shell(["rpm", "--initdb", "--dbpath", db])
        for (name, epoch, mode) in [("vigil-rpm-a", "Epoch: 3\n", "0640"), ("vigil-rpm-b", "", "0755")] {
            let spec = """
            Name: \(name)
            Version: 1.2.\(mode.count)
            Release: 7
            \(epoch)Summary: Vigil test package
            License: MIT
            Group: Applications/Test
            Vendor: Vigil Tests
            BuildArch: noarch
            %description
            A package for Vigil's rpm tests.
            %install
            mkdir -p %{buildroot}/opt/\(name)
            echo \(name) > %{buildroot}/opt/\(name)/file.txt
            %files
            %dir /opt/\(name)
            %attr(\(mode),root,daemon) /opt/\(name)/file.txt
            """
            let specPath = dir.appendingPathComponent("\(name).spec").path
            try spec.write(toFile: specPath, atomically: true, encoding: .utf8)
            _ = try shell(["rpmbuild", "-bb", "--quiet", "--define", "_topdir \(dir.path)/top", specPath])
            let rpm = "\(dir.path)/top/RPMS/noarch/\(name)-1.2.\(mode.count)-7.noarch.rpm"
            try #require(FileManager.default.fileExists(atPath: rpm), "rpmbuild made no \(rpm)")
            _ = try shell(["rpm", "-i", "--justdb", "--nodeps", "--dbpath", db, rpm])
        }
        return (dir, db)
    }

    @Test func packagesMatchRpmQuery() throws {
        let (dir, db) = try Self.buildDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let truth = try shell(["rpm", "-qa", "--dbpath", db, "--qf",
            "%{NAME}|%{VERSION}|%{RELEASE}|%{EPOCH}|%{ARCH}|%{SIZE}|%{SOURCERPM}|%{SHA1HEADER}|%{INSTALLTIME}|%{VENDOR}|%{GROUP}\n"])
        let expected = Set(truth.split(separator: "\n").map(String.init))
        try #require(expected.count == 2, "rpm -qa listed \(truth)")

        let sql = try Database(tables: [RpmPackagesTable(databaseDirectories: [db])])
        let rows = try sql.query("SELECT * FROM rpm_packages")
        let seen = Set(rows.map { r in
            [r["name"]!.string, r["version"]!.string, r["release"]!.string, r["epoch"]?.integer.map(String.init) ?? "(none)",
             r["arch"]!.string, String(r["size"]!.int), r["source"]!.string, r["sha1"]!.string,
             String(r["install_time"]!.int), r["vendor"]!.string, r["package_group"]!.string].joined(separator: "|")
        })
        #expect(seen == expected)

        // name = … goes through RPM's Name index: the one package, and none for an unknown name.
        let one = try sql.query("SELECT name, epoch FROM rpm_packages WHERE name = 'vigil-rpm-a'")
        #expect(one.count == 1 && one.first?["epoch"]?.int == 3)
        #expect(try sql.query("SELECT * FROM rpm_packages WHERE name = 'no-such-package'").isEmpty)
    }

    @Test func filesMatchRpmDump() throws {
        let (dir, db) = try Self.buildDatabase()
        defer { try? FileManager.default.removeItem(at: dir) }
        // rpm -q --dump: path size mtime digest mode owner group isconfig isdoc rdev symlink.
        var expected = Set<String>()
        for name in ["vigil-rpm-a", "vigil-rpm-b"] {
            for line in try shell(["rpm", "-q", "--dump", "--dbpath", db, name]).split(separator: "\n") {
                let f = line.split(separator: " ", omittingEmptySubsequences: false)
                let mode = String(Int(f[4], radix: 8)! & 0o7777, radix: 8)
                let digest = String(f[3])   // zeros for a directory, in both
                expected.insert("\(name)|\(f[0])|\(f[5])|\(f[6])|\(String(repeating: "0", count: 4 - mode.count) + mode)|\(f[1])|\(digest)")
            }
        }
        try #require(expected.count == 4, "rpm --dump listed \(expected)")

        let sql = try Database(tables: [RpmPackageFilesTable(databaseDirectories: [db])])
        func rows(_ whereClause: String) throws -> Set<String> {
            Set(try sql.query("SELECT * FROM rpm_package_files \(whereClause)").map { r in
                [r["package"]!.string, r["path"]!.string, r["username"]!.string, r["groupname"]!.string,
                 r["mode"]!.string, String(r["size"]!.int), r["sha256"]!.string].joined(separator: "|")
            })
        }
        let all = try rows(""), onlyB = try rows("WHERE package = 'vigil-rpm-b'")
        #expect(all == expected)
        #expect(onlyB == expected.filter { $0.hasPrefix("vigil-rpm-b|") })
        // path = … asks the file-name index which package owns it.
        #expect(try rows("WHERE path = '/opt/vigil-rpm-a/file.txt'") == expected.filter { $0.hasPrefix("vigil-rpm-a|/opt/vigil-rpm-a/file.txt|") })
        #expect(expected.contains { $0.hasPrefix("vigil-rpm-a|/opt/vigil-rpm-a/file.txt|root|daemon|0640|12|") })
    }

    /// The system's database: none on Debian, so no rows and no error; where one
    /// exists, the same package names as `rpm -qa` for that directory.
    @Test func systemDatabaseOrNoRows() throws {
        let rows = try query("SELECT name FROM rpm_packages")
        let files = try query("SELECT count(*) AS n FROM rpm_package_files")
        guard let db = RPMDatabase.systemDirectory() else {
            #expect(rows.isEmpty)
            #expect(files.first?["n"]?.int == 0)
            return
        }
        let truth = try shell(["rpm", "-qa", "--dbpath", db, "--qf", "%{NAME}\n"])
        #expect(rows.map { $0["name"]!.string }.sorted() == truth.split(separator: "\n").map(String.init).sorted())
    }
}
