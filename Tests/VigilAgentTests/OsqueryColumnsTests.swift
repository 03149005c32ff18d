import Foundation
import Testing
import VigilAgent
import VigilSQL
import VigilTables

/// Each table's columns against osquery's own specs (Tests/Fixtures/osquery-columns.txt):
/// names, types and which are hidden, as SQLite reports them through PRAGMA.
@Suite struct OsqueryColumnsTests {
    struct Expected {
        var table: String
        var spec: String
        var columns: [(name: String, type: String, hidden: Bool)]
    }

    static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/osquery-columns.txt").path

    /// The fixture's tables; a malformed line fails the test rather than being skipped.
    static func fixture() throws -> [Expected] {
        try String(contentsOfFile: fixturePath, encoding: .utf8).split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") || line.allSatisfy(\.isWhitespace) { return nil }
            let parts = line.split(separator: "|", omittingEmptySubsequences: false)
            let head = parts.first?.split(separator: " ") ?? []
            guard parts.count == 3, head.count == 2 else { throw FixtureError(line: String(line)) }
            func columns(_ text: Substring, hidden: Bool) throws -> [(name: String, type: String, hidden: Bool)] {
                try text.split(separator: ",").map { pair in
                    let words = pair.split(separator: " ")
                    guard words.count == 2 else { throw FixtureError(line: String(line)) }
                    return (String(words[0]), String(words[1]), hidden)
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
            + [ProcessEventsTable(store: events.process), SocketEventsTable(store: events.socket), FileEventsTable(store: events.file)]
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
