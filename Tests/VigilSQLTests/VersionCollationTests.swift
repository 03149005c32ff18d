import Foundation
import Testing
@testable import VigilSQL
import VigilTestSupport

/// osquery's version collations. The cases are osquery's own expectations for them
/// (osquery/sql/tests/sql_tests.cpp); the Debian ones are also what `dpkg
/// --compare-versions` says, checked here against the dpkg on this machine.
@Suite(.ownThread) struct VersionCollationTests {
    /// (smaller, larger) pairs, and equal pairs, per collation.
    static let less: [VersionOrder: [(String, String)]] = [
        .generic: [("1.0", "1.1"), ("1.1", "1.a"), ("50.4.1b", "50.4.1c"), ("1.0.0", "1.0.0-2"), ("1.0.0-2", "1:0.0.3"),
                   ("1.12.1", "1.13"), ("20.10a", "190.10a"), ("20.102", "20.10a"), ("6.87.5", "57:4"),
                   ("98.100.21-1a", "98.100.21-1b"), ("8.10.24", "8.11")],
        .arch: [("1.0", "1.1"), ("1.6.1-9", "1.6.1-10"), ("20220713-1", "20221123-1"), ("2-2pre", "2-2rc"), ("2.38-6", "2.39-4"),
                ("41.1-2", "43alpha+r8+g1de47dbc-1"), ("1:42.3.1-1", "1:43.2-1"), ("3.44.1-1", "3.46.7-1"),
                ("5.18.14.arch1-1", "6.0.12.arch1-1"), ("3:0.164.r3081.19856cc-2", "3:0.164.r3095.baee400-4"),
                ("0.23.1-9", "0.23.90-1"), ("4.2.1", "1:1.2.13-2")],
        .dpkg: [("1.0", "1.1"), ("22.07.5-2ubuntu1.3", "22.07.5-2ubuntu1.4"), ("12ubuntu4.2", "12ubuntu4.3"),
                ("2.38-4ubuntu2.1", "2.38-4ubuntu2.2"), ("1.19.2-2ubuntu0.1", "1.19.2-2ubuntu0.2"),
                ("2.5.13+dfsg-0ubuntu0.22.04.1", "2.5.14+dfsg-0ubuntu0.22.04.2"), ("1.21.1ubuntu2.1", "1.21.1ubuntu2.2"),
                ("3.0.2-0ubuntu1.8", "3.0.2-0ubuntu1.10"), ("5.34.0-3ubuntu1.1", "5.34.0-3ubuntu1.2"),
                ("2:8.2.3995-1ubuntu2.3", "2:8.2.3995-1ubuntu2.9")],
        .rhel: [("1.0", "1.1"), ("1.0.0~rc2^2021", "1.0.0"), ("1.0.0", "1.0.1"), ("1.0.1", "1.0.1^2021"),
                ("1.0.1^2021", "1.0.1.security1"), ("1.0.1", "pkg-1.0.1.security1"), ("1.1.0~BETA2", "1.1.0~CR1"),
                ("1.1.0.2021.SP1", "1.1.0.2021.SP1_CP1"), ("9.11.4-26.P2.el7_9.10", "32:9.11.4-26.P2.el7_9.13"),
                ("1:1.8.0.352.b08-2.el7_9", "1:1.8.0.372.b07-1.el7_9"), ("5.6.0-1.linux", "5.9.1-1.linux"),
                ("1.0.0~rc1", "1.0.0~rc2"), ("1.0.0~rc2", "1.0.0~rc2^20210101gf00fabd"), ("1.0.0~rc2^20210101gf00fabd", "1.0.0"),
                ("1.0.1^20210203gbbbccc0", "1.0.1.security1")],
    ]
    static let equal: [VersionOrder: [(String, String)]] = [
        .generic: [("1.0", "1.0"), ("1:0.0", "1.0.0"), ("2.50^1a", "2.50~1a")],
        .arch: [("1.0", "1.0-4"), ("4:2", "4:2-1")],
        .dpkg: [("1.0-0", "1.0-0"), ("1:2.0-10", "1:2.0-10")],
        .rhel: [("0.5.0~rc1^202", "0.5.0~rc1^202"), ("1:1.0.0~rc2", "1:1.0.0~rc2")],
    ]

    @Test(arguments: VersionOrder.allCases)
    func ordersAsOsqueryDoes(_ order: VersionOrder) {
        for (a, b) in Self.less[order] ?? [] {
            #expect(order.compare(Array(a.utf8), Array(b.utf8)) < 0, "\(order.rawValue): \(a) < \(b)")
            #expect(order.compare(Array(b.utf8), Array(a.utf8)) > 0, "\(order.rawValue): \(b) > \(a)")
        }
        for (a, b) in Self.equal[order] ?? [] {
            #expect(order.compare(Array(a.utf8), Array(b.utf8)) == 0, "\(order.rawValue): \(a) = \(b)")
        }
    }

    /// osquery's version_compare cases (its sql_tests.cpp) and its errors.
    @Test func versionCompareFunction() throws {
        let db = try Database(tables: [])
        let cases: [(String, Int64)] = [
            ("'1.0', '1.0'", 0), ("'1.0.0', '1.0.0'", 0), ("'106.32.1', '106:32.1'", 0),
            ("'1.0', '1.1'", -1), ("'1.6.1-9', '1.6.1-10', 'ARCH'", -1), ("'3.0.2-0ubuntu1.8', '3.0.2-0ubuntu1.10', 'dpkg'", -1),
            ("'1.0.0~rc2^2021', '1.0.0', 'RHEL'", -1), ("'1.1', '1.0'", 1), ("'1:1.2.13-2', '4.2.1', 'ARCH'", 1),
        ]
        for (arguments, expected) in cases {
            #expect(try db.query("SELECT version_compare(\(arguments)) AS c").first?["c"] == .integer(expected), "\(arguments)")
        }
        for bad in ["'1.0'", "1, 2", "'1.0', '1.1', 'MSI'", "'1.0', '1.1', 3"] {
            #expect(throws: SQLError.self, "\(bad)") { try db.query("SELECT version_compare(\(bad))") }
        }
    }

    @Test func debianCasesAreDpkgs() throws {
        for (a, b) in Self.less[.dpkg] ?? [] {
            let dpkg = Process()
            dpkg.executableURL = URL(fileURLWithPath: "/usr/bin/dpkg")
            dpkg.arguments = ["--compare-versions", a, "lt", b]
            try dpkg.run()
            dpkg.waitUntilExit()
            #expect(dpkg.terminationStatus == 0, "dpkg says \(a) is not below \(b)")
        }
    }

    @Test func sqliteUsesTheCollations() throws {
        let db = try Database(tables: [VersionsTable()])
        // A query's own COLLATE, as in osquery.
        #expect(try db.query("SELECT '1.10' > '1.9' COLLATE version AS v, '1.10' > '1.9' AS text").first == ["v": .integer(1), "text": .integer(0)])
        #expect(try db.query("SELECT '3.0.2-0ubuntu1.10' > '3.0.2-0ubuntu1.8' COLLATE version_dpkg AS v").first?["v"] == .integer(1))
        #expect(try db.query("SELECT '1.0.0~rc2' < '1.0.0' COLLATE version_rhel AS v").first?["v"] == .integer(1))
        #expect(try db.query("SELECT '1.0' = '1.0-4' COLLATE version_arch AS v").first?["v"] == .integer(1))
        // A column declared with one: comparisons, ordering and MAX follow it.
        #expect(try db.query("SELECT v FROM versions ORDER BY v").map { $0["v"]?.text } == ["1.2", "1.9", "1.10", "2:0.1"])
        #expect(Set(try db.query("SELECT v FROM versions WHERE v > '1.9'").map { $0["v"]?.text }) == ["1.10", "2:0.1"])
        #expect(try db.query("SELECT max(v) AS v FROM versions WHERE v NOT LIKE '%:%'").first?["v"] == .text("1.10"))
        #expect(try db.query("SELECT plain FROM versions ORDER BY plain").map { $0["plain"]?.text } == ["1.10", "1.2", "1.9", "2:0.1"])
        #expect(VersionsTable().schema.createStatement.contains("\"v\" TEXT COLLATE version_dpkg"))
    }
}

/// Versions in a column declared `version_dpkg` and the same in a plain one.
private struct VersionsTable: VirtualTable {
    let schema = TableSchema("versions", "versions for collation tests", [
        Column("v", .text, "version_dpkg").collated(.versionDpkg),
        Column("plain", .text, "BINARY"),
    ])

    func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(["1.9", "2:0.1", "1.10", "1.2"]) { [schema] v in
            var row = Row(schema)
            row["v"] = .text(v)
            row["plain"] = .text(v)
            return row
        }
    }
}
