import Foundation
import Testing
@testable import VigilAgent
import VigilSQL
import VigilTables
import VigilTestSupport

/// Each table's columns against osquery's own specs (Tests/Fixtures/osquery-columns.txt):
/// names, types and which are hidden, as SQLite reports them through PRAGMA.
@Suite(.ownThread) struct OsqueryColumnsTests {
    struct Expected {
        var table: String
        var spec: String
        var columns: [(name: String, type: String, hidden: Bool, options: Set<String>)]
    }

    /// The column options the fixture transcribes (hidden is its own section), and the
    /// one collation it transcribes (`collate="nocase"`).
    static let optionWords: Set<String> = ["required", "index", "additional", "optimized", "collate=nocase"]

    static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/osquery-columns.txt").path

    /// The fixture's tables; a malformed line fails the test rather than being skipped.
    static func fixture() throws -> [Expected] {
        try String(contentsOfFile: fixturePath, encoding: .utf8).split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { return nil }
            let parts = line.split(separator: "|", omittingEmptySubsequences: false)
            let head = parts.first?.split(separator: " ") ?? []
            guard parts.count == 3, head.count == 2 else { throw FixtureError(line: String(line)) }
            func columns(_ text: Substring, hidden: Bool) throws -> [(name: String, type: String, hidden: Bool, options: Set<String>)] {
                try text.split(separator: ",").map { entry in
                    let words = entry.split(separator: " ").map(String.init)
                    let options = Set(words.dropFirst(2))
                    guard words.count >= 2, options.count == words.count - 2, options.isSubset(of: optionWords) else {
                        throw FixtureError(line: String(line))
                    }
                    return (words[0], words[1], hidden, options)
                }
            }
            return Expected(table: String(head[0]), spec: String(head[1]),
                            columns: try columns(parts[1], hidden: false) + columns(parts[2], hidden: true))
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        let line: String
        var description: String { "unreadable fixture line: \(line)" }
    }

    /// Vigil's columns that the fixture's spec version does not have, and why. Any
    /// other column osquery lacks fails the test: it would change what `SELECT *` shows.
    static let vigilOnly: [String: Set<String>] = [
        // Columns of osquery releases newer than the spec version the fixture holds.
        "processes": ["cgroup_path"],
        "users": ["include_remote"],
        "system_info": ["cpu_sockets"],
        "user_ssh_keys": ["key_length", "key_security_bits"],
        "file": ["symlink_target_path"],
        "block_devices": ["serial"],
        "firefox_addons": ["native"],
        "npm_packages": ["depth", "max_depth"],
        "apparmor_profiles": ["sha256"],
        // Vigil's own: the eBPF tracer knows which process changed the file.
        "file_events": ["pid", "executable"],
    ]

    /// Every table `vigil query` and the agent's worker serve, osquery's own included.
    static func tables() -> [any VirtualTable] {
        let events = EventStores(capacity: 1)
        let agentTables: [any VirtualTable] = StandaloneOsqueryTables.all()
            + events.tables
        return TableRegistry.all(adding: agentTables)
    }

    static func database() throws -> Database { try Database(tables: tables()) }

    /// osquery's type names as SQLite's PRAGMA prints the declared types.
    static func declared(_ type: String) -> String { type == "UNSIGNED_BIGINT" ? "UNSIGNED BIGINT" : type }

    @Test func columnsMatchOsquerysSpecs() throws {
        let expected = try Self.fixture()
        #expect(Set(expected.map(\.table)).count == expected.count, "a table is listed twice in the fixture")
        let db = try Self.database()
        let served = Set(Self.tables().map(\.schema.name))
        var compared = 0
        for table in expected where served.contains(table.table) {
            compared += 1
            let all = try db.query("PRAGMA table_xinfo('\(table.table)')")
            let got = Dictionary(uniqueKeysWithValues: all.map { ($0["name"]?.text ?? "", ($0["type"]?.text ?? "", $0["hidden"]?.integer ?? -1)) })
            for c in table.columns {
                guard let g = got[c.name] else {
                    Issue.record("\(table.table).\(c.name) (\(table.spec)) is missing")
                    continue
                }
                #expect(g.0 == Self.declared(c.type), "\(table.table).\(c.name): type \(g.0), osquery's \(c.type)")
                #expect(g.1 == (c.hidden ? 1 : 0), "\(table.table).\(c.name): hidden \(g.1), osquery \(c.hidden ? "hides it" : "shows it")")
            }
            let extra = Set(got.keys).subtracting(table.columns.map(\.name)).subtracting(Self.vigilOnly[table.table] ?? [])
            #expect(extra.isEmpty, "\(table.table) has columns osquery's \(table.spec) lacks: \(extra.sorted())")
            // PRAGMA table_info leaves hidden columns out, as in osqueryi.
            let visible = try db.query("PRAGMA table_info('\(table.table)')").compactMap { $0["name"]?.text }
            let osqueryVisible = table.columns.filter { !$0.hidden }.map(\.name)
            #expect(Set(visible).subtracting(Self.vigilOnly[table.table] ?? []) == Set(osqueryVisible), "\(table.table): table_info \(visible)")
        }
        // The fixture was read: most of its tables are Vigil's.
        #expect(compared >= 70, "only \(compared) of the fixture's \(expected.count) tables were compared")
        // Every osquery table Vigil serves is checked: one added without its line fails here.
        let unlisted = served.subtracting(expected.map(\.table)).filter { !Self.notOsquery($0) }
        #expect(unlisted.isEmpty, "osquery tables missing from Tests/Fixtures/osquery-columns.txt: \(unlisted.sorted())")
    }

    /// Vigil's flags as the fixture's option words: the ones that decide what reaches the table.
    static func options(_ flags: ColumnFlags) -> Set<String> {
        Set(flags.names).intersection(["required", "index", "additional"])
    }

    /// Differences from osquery's column options that are Vigil's on purpose, with why.
    /// Each key is the exact difference `columnOptionsMatchOsquerys` reports, so any
    /// other difference (or this one changing) fails. `optimized` is not compared:
    /// osquery passes no constraint for it alone. Vigil pushes constraints down on
    /// required, index and additional columns, as osquery does; SQLite re-checks
    /// every pushed constraint (omit is 0), so a table that returns more rows than
    /// asked changes no answer, and an extra pushed column only saves reading.
    static let deliberateOptions: [String: String] = [
        // Vigil pushes down more than osquery: each returns exactly osquery's rows and reads less.
        #"block_devices.name: Vigil ["index"], osquery []"#: "name = probes (uuid, type, label) only the devices named",
        #"iptables.filter_name: Vigil ["index"], osquery []"#: "filter_name = reads that netfilter table alone",
        #"selinux_settings.scope: Vigil ["index"], osquery []"#: "scope = lists only that folder of selinuxfs",
        #"selinux_settings.key: Vigil ["index"], osquery []"#: "key = reads only those files of selinuxfs",
        // Columns of newer osquery releases than the fixture's spec version (see vigilOnly).
        #"npm_packages.max_depth: Vigil ["additional"], osquery []"#: "additional and hidden in osquery's newer spec (22bed0b)",
        #"users.include_remote: Vigil ["additional"], osquery []"#: "asks the table for more accounts (NSS), as additional columns do",
    ]

    /// Every column's required, index and additional options against osquery's spec.
    /// A required column decides whether a query without a constraint on it runs; the
    /// pushed-down columns decide what a table reads.
    @Test func columnOptionsMatchOsquerys() throws {
        let expected = try Self.fixture()
        let schemas = Dictionary(uniqueKeysWithValues: Self.tables().map { ($0.schema.name, $0.schema) })
        var differences: Set<String> = []
        var compared = 0
        for table in expected {
            guard let schema = schemas[table.table] else { continue }
            let theirs = Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name, $0.options.subtracting(["optimized", "collate=nocase"])) })
            // Another platform's column and an alias hold no value of their own here:
            // a constraint on one picks no row a table could skip reading.
            for column in schema.columns where column.otherPlatform == nil && column.aliasOf == nil {
                compared += 1
                let ours = Self.options(column.flags)
                let osquery = theirs[column.name] ?? []
                if ours != osquery {
                    differences.insert("\(table.table).\(column.name): Vigil \(ours.sorted()), osquery \(osquery.sorted())")
                }
            }
        }
        #expect(compared >= 1000, "only \(compared) columns compared")
        let unlisted = differences.subtracting(Self.deliberateOptions.keys).sorted()
        #expect(unlisted.isEmpty, "column options that differ from osquery's spec:\n\(unlisted.joined(separator: "\n"))")
        let stale = Set(Self.deliberateOptions.keys).subtracting(differences).sorted()
        #expect(stale.isEmpty, "listed as deliberate but no longer different:\n\(stale.joined(separator: "\n"))")
    }

    /// Each column osquery declares `collate="nocase"` is declared COLLATE NOCASE here,
    /// and no other: SQLite then compares it without case, as in osquery.
    @Test func collationsMatchOsquerys() throws {
        let schemas = Dictionary(uniqueKeysWithValues: Self.tables().map { ($0.schema.name, $0.schema) })
        var theirs: Set<String> = []
        var ours: Set<String> = []
        for table in try Self.fixture() {
            guard let schema = schemas[table.table] else { continue }
            for column in table.columns where column.options.contains("collate=nocase") {
                theirs.insert("\(table.table).\(column.name)")
            }
            for column in schema.columns where column.collation == .noCase {
                ours.insert("\(table.table).\(column.name)")
            }
        }
        #expect(theirs.count >= 2, "the fixture declares \(theirs.count) NOCASE columns")
        #expect(ours == theirs, "Vigil's NOCASE columns \(ours.sorted()), osquery's \(theirs.sorted())")
        // What SQLite is told; CollationTests and LXDTests check what it then answers.
        for name in theirs.sorted() {
            let parts = name.split(separator: ".").map(String.init)
            #expect(schemas[parts[0]]?.createStatement.contains("\"\(parts[1])\" TEXT COLLATE NOCASE") == true, "\(name)")
        }
    }

    /// osquery's version collations on the tables Vigil serves, from a concatenation of
    /// osquery's specs in the reference index (read 2026-12-07; the fixture's older spec
    /// versions predate most of them, so they are listed here rather than there).
    static let versionCollations: [String: String] = [
        "deb_packages.version": "version_dpkg", "apt_sources.version": "version_dpkg",
        "rpm_packages.version": "version_rhel",
        "kernel_info.version": "version", "os_version.version": "version", "firefox_addons.version": "version",
        "npm_packages.version": "version", "python_packages.version": "version",
        "docker_info.kernel_version": "version", "docker_info.server_version": "version",
        "docker_version.version": "version", "docker_version.api_version": "version",
        "docker_version.min_api_version": "version", "docker_version.go_version": "version",
        "docker_version.kernel_version": "version", "osquery_info.version": "version",
        "osquery_extensions.version": "version", "osquery_extensions.sdk_version": "version",
        "pacman_packages.version": "version", "homebrew_packages.version": "version",
    ]

    /// Every column osquery gives a version collation has it here, and no other column.
    @Test func versionCollationsMatchOsquerys() throws {
        var ours: [String: String] = [:]
        for table in Self.tables() {
            for column in table.schema.columns where column.collation != nil && column.collation != .noCase {
                ours["\(table.schema.name).\(column.name)"] = column.collation?.rawValue
            }
        }
        #expect(ours == Self.versionCollations)
        // SQLite accepts every declaration (EXPLAIN prepares without reading a row).
        let db = try Self.database()
        for name in Self.versionCollations.keys.sorted() {
            let parts = name.split(separator: ".")
            #expect(throws: Never.self, "\(name)") { _ = try db.query("EXPLAIN SELECT \(parts[1]) FROM \(parts[0]) ORDER BY 1") }
        }
    }

    /// A table osquery marks required answers no query without a constraint on one of
    /// those columns: osquery's xFilter returns SQLITE_CONSTRAINT ("constraint failed").
    /// Vigil refuses the same queries, and its error names the columns.
    @Test func requiredColumnsRefuseAnUnconstrainedScan() throws {
        let db = try Self.database()
        let served = Set(Self.tables().map(\.schema.name))
        var checked = 0
        for table in try Self.fixture() where served.contains(table.table) {
            let required = table.columns.filter { $0.options.contains("required") }.map(\.name)
            guard !required.isEmpty else { continue }
            checked += 1
            #expect(throws: (any Error).self, "\(table.table) answered without \(required)") {
                _ = try db.query("SELECT count(*) FROM \(table.table)")
            }
            #expect("\(table.table) answered without \(required)") {
                _ = try db.query("SELECT * FROM \(table.table)")
            } throws: { error in
                required.allSatisfy { "\(error)".contains($0) }
            }
        }
        // file, hash, yara, curl, curl_certificate, magic, extended_attributes, the three
        // docker and two lxd tables that need an id or name.
        #expect(checked >= 12, "only \(checked) tables with required columns")
    }

    /// Vigil's own tables, and file_lines (from the macadmins extension that Fleet's
    /// agent bundles, not from osquery's specs): the tables with no osquery spec.
    static func notOsquery(_ table: String) -> Bool {
        table.hasPrefix("vigil_") || table == "file_lines"
    }

    /// No column is declared a key (osquery declares its index columns one): SQLite would
    /// take them to be NOT NULL and unique and answer from that. A route without a
    /// gateway (every host has one: the link-local and local routes) must be found by
    /// `gateway IS NULL` as by a test SQLite cannot reason about.
    @Test func keyColumnsMayBeNull() throws {
        let db = try Self.database()
        let direct = try db.query("SELECT count(*) AS n FROM routes WHERE gateway IS NULL").first?["n"]?.integer
        let opaque = try db.query("SELECT count(*) AS n FROM routes WHERE coalesce(gateway, '<null>') = '<null>'").first?["n"]?.integer
        #expect((opaque ?? 0) > 0, "this host has routes without a gateway")
        #expect(direct == opaque)
        for table in ["routes", "processes", "users", "file", "deb_package_files"] {
            let keyed = try db.query("PRAGMA table_xinfo('\(table)')").filter { ($0["pk"]?.integer ?? 0) > 0 || ($0["notnull"]?.integer ?? 0) > 0 }
            #expect(keyed.isEmpty, "\(table): \(keyed)")
        }
    }

    /// A query written for Windows or macOS prepares: another platform's column is
    /// NULL, an alias reads its column, and `SELECT *` shows neither.
    @Test func otherPlatformsColumnsAndAliases() throws {
        let db = try Self.database()
        let pid = getpid()
        let row = try #require(try db.query("SELECT total_size, phys_footprint, elevated_token, upid, translated FROM processes WHERE pid = \(pid)").first)
        #expect(row["elevated_token"] == .null && row["upid"] == .null && row["translated"] == .null)
        #expect(row["phys_footprint"] == row["total_size"] && (row["total_size"]?.integer ?? 0) > 0, "\(row)")
        let star = try #require(try db.query("SELECT * FROM processes WHERE pid = \(pid)").first)
        #expect(star["pid"]?.integer == Int64(pid) && star["elevated_token"] == nil && star["phys_footprint"] == nil)

        let time = try #require(try db.query("SELECT datetime, date_time, win_timestamp FROM time").first)
        #expect(time["date_time"] == time["datetime"] && time["win_timestamp"] == .null && time["datetime"]?.text?.isEmpty == false)

        // Fleet's and osquery's Windows-minded group query.
        let root = try db.query("SELECT groupname, group_sid, comment FROM groups WHERE gid = 0")
        #expect(root.count == 1 && root.first?["groupname"]?.text == "root" && root.first?["group_sid"] == .null)
        // A filter on a NULL column matches nothing rather than failing.
        #expect(try db.query("SELECT pid FROM processes WHERE elevated_token = 1").isEmpty)
    }
}

/// `vigil query` names the agent for exactly the tables the agent's worker serves and it
/// does not: none is missed, and none it could answer itself is sent away.
@Suite(.ownThread) struct AgentOnlyTablesTests {
    @Test func theListIsWhatTheWorkerServesBeyondVigilQuery() throws {
        let view = AgentStateView(statePath: "", schedule: Schedule(config: AgentConfig(), hostIdentifier: ""), startTime: 0)
        let worker = Set(SchedulerService.tables(view: view, events: EventStores(capacity: 1), config: AgentConfig()).map(\.schema.name))
        let standalone = Set(TableRegistry.all(adding: StandaloneOsqueryTables.all()).map(\.schema.name))
        // prometheus_metrics needs the config's targets: the worker's own, and vigil query's own (empty) too.
        #expect(Set(StandaloneOsqueryTables.agentOnly.keys) == worker.subtracting(standalone).subtracting(["prometheus_metrics"]))
    }
}
