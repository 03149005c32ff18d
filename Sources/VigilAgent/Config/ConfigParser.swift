import Glibc
import VigilSQL
import VigilSystem
import VigilYAML
import Yams

/// Reads an agent config (YAML, or osquery JSON unchanged) and checks it. The first
/// problem is thrown with its FILE:LINE:COLUMN; unknown keys are warnings.
final class ConfigParser {
    let file: String
    /// Directory that relative pack paths are resolved against.
    let baseDirectory: String
    var warnings: [ConfigWarning] = []

    init(file: String, baseDirectory: String) {
        self.file = file
        self.baseDirectory = baseDirectory
    }

    static let topKeys = ["schedule", "packs", "decorators", "options", "file_paths", "exclude_paths", "file_accesses", "prometheus_targets"]
    static let queryKeys = ["query", "interval", "snapshot", "removed", "platform", "shard", "denylist", "blacklist", "version", "description", "value"]
    static let packKeys = ["queries", "discovery", "platform", "shard", "version"]
    static let decoratorKeys = ["load", "always", "interval"]

    func parse(_ text: String) throws(ConfigError) -> AgentConfig {
        let root = try compose(Self.strippingJSONComments(text))
        let top = try entries(root, known: Self.topKeys, in: "the config")
        var config = AgentConfig()
        // Options first: the default interval applies to the queries below.
        if let e = top["options"] { config.options = try parseOptions(e.value) }
        if let e = top["schedule"] {
            for q in try anyEntries(e.value, in: "schedule") {
                config.schedule.append(try parseQuery(q, in: "schedule", defaultInterval: config.options.scheduleDefaultInterval))
            }
        }
        if let e = top["packs"] {
            for p in try anyEntries(e.value, in: "packs") {
                config.packs += try parsePackEntry(p, defaultInterval: config.options.scheduleDefaultInterval)
            }
        }
        if let e = top["decorators"] { config.decorators = try parseDecorators(e.value) }
        config.filePaths = try parseFilePaths(top["file_paths"], excluded: top["exclude_paths"], accesses: top["file_accesses"])
        if let e = top["prometheus_targets"] { config.prometheusTargets = try parsePrometheusTargets(e) }
        return config
    }

    func parseQuery(_ entry: Entry, in what: String, defaultInterval: Int) throws(ConfigError) -> ScheduledQuery {
        let place = "\(what).\(entry.key)"
        guard case .mapping = entry.value else {
            throw error("expected a mapping with query and interval for \(place), found \(describe(entry.value))", at: entry.value)
        }
        let fields = try entries(entry.value, known: Self.queryKeys, in: place)
        guard let sqlEntry = fields["query"] else {
            throw error("\(place) has no query; add query: \"SELECT …\"", at: entry.keyNode)
        }
        let sql = try string(sqlEntry.value, for: "\(place).query")
        if sql.allSatisfy(\.isWhitespace) { throw error("\(place).query is empty", at: sqlEntry.value) }
        if let nul = SQLError.nulByte(in: sql) { throw error("\(place).query: \(nul)", at: sqlEntry.value) }
        // osquery caps intervals at a week; a longer one is almost always a typo.
        let interval = try fields["interval"].map { e throws(ConfigError) in
            try integer(e.value, for: "\(place).interval", in: 1...604_800)
        } ?? defaultInterval
        var q = ScheduledQuery(name: entry.key, query: sql, interval: interval)
        if let e = fields["snapshot"] { q.snapshot = try boolean(e.value, for: "\(place).snapshot") }
        if let e = fields["removed"] { q.removed = try boolean(e.value, for: "\(place).removed") }
        if let e = fields["platform"] { q.platform = try string(e.value, for: "\(place).platform") }
        if let e = fields["shard"] { q.shard = try shard(e.value, for: "\(place).shard") }
        // `blacklist` is osquery's older name for the same switch.
        if let e = fields["denylist"] ?? fields["blacklist"] { q.denylist = try boolean(e.value, for: "\(place).\(e.key)") }
        if let e = fields["version"] { q.version = try string(e.value, for: "\(place).version") }
        if let e = fields["description"] ?? fields["value"] { q.description = try string(e.value, for: "\(place).\(e.key)") }
        return q
    }

    /// shard 0 means "no sharding", as in osquery.
    func shard(_ node: Node, for what: String) throws(ConfigError) -> Int? {
        let n = try integer(node, for: what, in: 0...100)
        return n == 0 ? nil : n
    }

    /// A pack inline, or a path to a pack file; a path with `*` loads every file it
    /// matches, each named after its file (osquery's `"*": "/etc/osquery/packs/*"`).
    func parsePackEntry(_ entry: Entry, defaultInterval: Int) throws(ConfigError) -> [Pack] {
        guard case .scalar = entry.value else {
            return [try parsePack(name: entry.key, entry.value, source: nil, defaultInterval: defaultInterval)]
        }
        let given = try string(entry.value, for: "packs.\(entry.key)")
        let path = given.hasPrefix("/") ? given : baseDirectory + "/" + given
        guard path.contains("*") else { return [try loadPack(name: entry.key, path: path, at: entry.value, defaultInterval: defaultInterval)] }
        var packs: [Pack] = []
        for match in Self.glob(path) {
            let base = match.split(separator: "/").last.map(String.init) ?? match
            let name = base.split(separator: ".", maxSplits: 1).first.map(String.init) ?? base
            packs.append(try loadPack(name: name, path: match, at: entry.value, defaultInterval: defaultInterval))
        }
        if packs.isEmpty { warn("no pack files match '\(given)'", at: entry.value) }
        return packs
    }

    private func loadPack(name: String, path: String, at node: Node, defaultInterval: Int) throws(ConfigError) -> Pack {
        let text: String
        do {
            text = try RegularFile.readText(path)
        } catch {
            throw self.error("cannot read pack '\(name)': \(error); fix the path or inline the pack", at: node)
        }
        let sub = ConfigParser(file: path, baseDirectory: Self.directory(of: path))
        let root = try sub.compose(Self.strippingJSONComments(text))
        let pack = try sub.parsePack(name: name, root, source: path, defaultInterval: defaultInterval)
        warnings += sub.warnings
        return pack
    }

    func parsePack(name: String, _ node: Node, source: String?, defaultInterval: Int) throws(ConfigError) -> Pack {
        let what = "pack \(name)"
        let fields = try entries(node, known: Self.packKeys, in: what)
        var queries: [ScheduledQuery] = []
        if let e = fields["queries"] {
            for q in try anyEntries(e.value, in: "\(what) queries") {
                queries.append(try parseQuery(q, in: "packs.\(name).queries", defaultInterval: defaultInterval))
            }
        }
        var pack = Pack(name: name, queries: queries)
        pack.source = source
        if let e = fields["discovery"] { pack.discovery = try self.queries(e.value, for: "\(what) discovery") }
        if let e = fields["platform"] { pack.platform = try string(e.value, for: "\(what) platform") }
        if let e = fields["shard"] { pack.shard = try shard(e.value, for: "\(what) shard") }
        if let e = fields["version"] { pack.version = try string(e.value, for: "\(what) version") }
        return pack
    }

    func parseDecorators(_ node: Node) throws(ConfigError) -> Decorators {
        let fields = try entries(node, known: Self.decoratorKeys, in: "decorators")
        var d = Decorators()
        if let e = fields["load"] { d.load = try queries(e.value, for: "decorators.load") }
        if let e = fields["always"] { d.always = try queries(e.value, for: "decorators.always") }
        if let e = fields["interval"] {
            for entry in try anyEntries(e.value, in: "decorators.interval") {
                guard let seconds = Int(entry.key), seconds > 0 else {
                    throw error("decorators.interval is keyed by seconds (\"3600\": [queries]), found \(quoted(entry.key))", at: entry.keyNode)
                }
                d.interval[seconds, default: []] += try queries(entry.value, for: "decorators.interval.\(entry.key)")
            }
        }
        return d
    }

    /// osquery allows whole-line `//` comments in its JSON configs (its example config is
    /// full of them); blank them, keeping line numbers. YAML text is left alone.
    static func strippingJSONComments(_ text: String) -> String {
        guard text.first(where: { !$0.isWhitespace }) == "{", text.contains("//") else { return text }
        // "\r\n" is one Character in Swift: name it, or CRLF files would not split.
        return text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { line in
            line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("//") ? "" : String(line)
        }.joined(separator: "\n")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Paths matching a shell pattern, sorted (glob(3)).
    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }
}

/// Entry points: a config file, config text, or the embedded default.
public enum ConfigLoader {
    /// Read and check the config at `path`; pack paths are relative to its directory.
    public static func load(path: String) throws(ConfigError) -> LoadedConfig {
        let text: String
        do {
            text = try RegularFile.readText(path)
        } catch {
            throw ConfigError(file: path, line: 1, column: 1, reason: "cannot read the config: \(error)")
        }
        return try parse(text, file: path, baseDirectory: ConfigParser.directory(of: path))
    }

    /// Check config text; `file` names it in errors.
    public static func parse(_ text: String, file: String = "<config>", baseDirectory: String = ".") throws(ConfigError) -> LoadedConfig {
        let parser = ConfigParser(file: file, baseDirectory: baseDirectory)
        let config = try parser.parse(text)
        try checkNames(config, file: file)
        return LoadedConfig(config: config, warnings: parser.warnings)
    }

    /// Two entries may not end up with one name (`pack_a_b` in the schedule and query b of pack a).
    static func checkNames(_ config: AgentConfig, file: String) throws(ConfigError) {
        var seen: Set<String> = []
        let names = config.schedule.map(\.name) + config.packs.flatMap { p in p.queries.map { ScheduleEntry.packQueryName(pack: p.name, query: $0.name) } }
        for name in names where !seen.insert(name).inserted {
            throw ConfigError(file: file, line: 1, column: 1, reason: "two scheduled queries are both named '\(name)'; rename one (pack queries are named pack_<pack>_<query>)")
        }
    }
}
