import VigilSQL
import VigilSystem

/// `apt_sources`: the `deb` repositories in /etc/apt/sources.list, sources.list.d/*.list
/// (one-line format) and sources.list.d/*.sources (deb822), described by the Release
/// file apt downloaded for each. As in osquery, a repository apt has not fetched
/// yet (no Release file in /var/lib/apt/lists) has no row. `pid_with_namespace = PID`
/// reads the same files under /proc/PID/root, as that process sees them.
public struct AptSourcesTable: VirtualTable {
    public let schema = TableSchema("apt_sources", "APT repositories (deb lines and deb822 stanzas) with their Release file's facts.", [
        Column("name", .text, "Repository URI without its scheme, a space, then the suite (deb.debian.org/debian bookworm)"),
        Column("source", .text, "File the repository is declared in"),
        Column("base_uri", .text, "Repository URI, without trailing slashes"),
        Column("release", .text, "Codename from the Release file"),
        Column("version", .text, "Version from the Release file").collated(.versionDpkg),
        Column("maintainer", .text, "Origin from the Release file"),
        Column("components", .text, "Components from the Release file"),
        Column("architectures", .text, "Architectures from the Release file"),
        Column("pid_with_namespace", .integer, "Read the files under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
    ])
    let etc: String
    let lists: String

    public init() { self.init(etc: "/etc/apt", lists: "/var/lib/apt/lists") }
    init(etc: String, lists: String) { self.etc = etc; self.lists = lists }

    struct Source { var uri: String; var suite: String }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            rows += self.rows(etc: root + etc, lists: root + lists, pid: pid, root: root)
        }
        return RowSequence(rows)
    }

    /// The rows of one root's APT configuration.
    func rows(etc: String, lists: String, pid: Int64, root: String) -> [Row] {
        var rows: [Row] = []
        let listed = ((try? FileSystem.list(etc + "/sources.list.d")) ?? []).sorted()
        var files = [(etc + "/sources.list", false)]
        files += listed.filter { $0.hasSuffix(".list") }.map { (etc + "/sources.list.d/" + $0, false) }
        files += listed.filter { $0.hasSuffix(".sources") }.map { (etc + "/sources.list.d/" + $0, true) }
        for (file, deb822) in files {
            guard let text = FileSystem.readTextIfPresent(file) else { continue }
            let sources = deb822 ? Self.stanzaSources(text) : FileSystem.lines(text).compactMap { Self.lineSource(String($0)) }
            for s in sources {
                guard let release = Self.release(for: s, lists: lists) else { continue }
                var row = Row(schema)
                let host = s.uri.firstRange(of: "://").map { String(s.uri[$0.upperBound...]) } ?? s.uri
                row["name"] = .text(host + " " + s.suite)
                row["source"] = .text(PidNamespace.inside(file, root: root))
                row["base_uri"] = .text(s.uri)
                row["release"] = .text(release["Codename"] ?? "")
                row["version"] = .text(release["Version"] ?? "")
                row["maintainer"] = .text(release["Origin"] ?? "")
                row["components"] = .text(release["Components"] ?? "")
                row["architectures"] = .text(release["Architectures"] ?? "")
                row["pid_with_namespace"] = .integer(pid)
                rows.append(row)
            }
        }
        return rows
    }

    /// A "deb [options] URI SUITE [COMPONENT...]" line; deb-src and comments give nil.
    static func lineSource(_ raw: String) -> Source? {
        let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.first == "deb" else { return nil }
        words.removeFirst()
        if words.first?.hasPrefix("[") == true {
            guard let close = words.firstIndex(where: { $0.contains("]") }) else { return nil }
            words.removeSubrange(...close)
        }
        guard words.count >= 2, words[0].contains("://") else { return nil }
        return Source(uri: trimSlashes(words[0]), suite: words[1])
    }

    /// Every URI × suite of the deb822 stanzas that are of type deb and not disabled.
    static func stanzaSources(_ text: String) -> [Source] {
        var out: [Source] = []
        var fields: [String: String] = [:]
        func flush() {
            defer { fields = [:] }
            guard fields["types"]?.split(separator: " ").contains("deb") ?? false, (fields["enabled"] ?? "yes") != "no" else { return }
            let uris = (fields["uris"] ?? "").split(separator: " ").map(String.init).filter { $0.contains("://") }
            let suites = (fields["suites"] ?? "").split(separator: " ").map(String.init)
            for u in uris { for s in suites { out.append(Source(uri: trimSlashes(u), suite: s)) } }
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if raw.trimmingCharacters().isEmpty { flush(); continue }
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let colon = line.firstIndex(of: ":"), line.first != " " && line.first != "\t" else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters()
                .split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        }
        flush()
        return out
    }

    static func trimSlashes(_ uri: String) -> String {
        var u = Substring(uri)
        while u.hasSuffix("/") { u = u.dropLast() }
        return String(u)
    }

    /// The "Key: value" header of the repository's [In]Release file in the lists
    /// directory (apt names it from the URI and suite with "/" turned into "_").
    static func release(for s: Source, lists: String) -> [String: String]? {
        let host = s.uri.firstRange(of: "://").map { String(s.uri[$0.upperBound...]) } ?? s.uri
        let suitePath = s.suite.hasSuffix("/") ? String(s.suite.dropLast()) : "dists/" + s.suite
        let base = (host + "/" + suitePath).replacingSlashesWithUnderscores()
        guard let text = FileSystem.readTextIfPresent(lists + "/" + base + "_InRelease")
            ?? FileSystem.readTextIfPresent(lists + "/" + base + "_Release") else { return nil }
        var out: [String: String] = [:]
        for line in FileSystem.lines(text) {
            if line.hasPrefix("-----BEGIN PGP SIGNATURE") { break }
            guard line.first != " ", let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            if out[key] == nil { out[key] = line[line.index(after: colon)...].trimmingCharacters() }
        }
        return out
    }
}

extension String {
    func replacingSlashesWithUnderscores() -> String { String(map { $0 == "/" ? "_" : $0 }) }
}
