import Glibc
import VigilSQL
import VigilSystem

/// `yara`: each file the query names scanned with YARA rules through libyara
/// (opened with dlopen): `path =`, `IN` or `LIKE` (osquery's wildcards) and the
/// rules as source text (`sigrule =`) or a rules file (`sigfile =`) are required.
/// One row per file and rule source, also when nothing matched (count 0). osquery's
/// signature groups and URLs come from its config: Vigil has neither, so
/// `sig_group` and `sigurl` are always empty.
public struct YaraTable: VirtualTable {
    public let schema = TableSchema("yara", "Track YARA matches for files.", [
        Column("path", .text, "The path scanned", [.index, .required]),
        Column("matches", .text, "List of YARA matches"),
        Column("count", .integer, "Number of YARA matches"),
        Column("sig_group", .text, "Signature group used (from osquery's config; always empty)", .additional),
        Column("sigfile", .text, "Signature file used", .additional),
        Column("sigrule", .text, "Signature strings used", [.additional, .hidden]),
        Column("strings", .text, "Matching strings ($identifier:offset, comma-separated)"),
        Column("tags", .text, "Matching tags"),
        Column("sigurl", .text, "Signature url (from osquery's config; always empty)", [.additional, .hidden]),
        Column("pid_with_namespace", .integer, "Scan files under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // Each rule source compiled once per scan.
        var sources: [(column: String, value: String, rules: YaraRules)] = []
        for text in context.texts("sigrule") ?? [] {
            do { sources.append(("sigrule", text, try YaraRules(source: text))) }
            catch { throw TableError("yara: sigrule does not compile: \(error)") }
        }
        for file in context.texts("sigfile") ?? [] {
            let text: String
            do { text = try FileSystem.readText(file) } catch { throw TableError("yara: cannot read sigfile \(file): \(error)") }
            do { sources.append(("sigfile", file, try YaraRules(source: text))) }
            catch { throw TableError("yara: \(file) does not compile: \(error)") }
        }
        guard !sources.isEmpty else {
            throw TableError("table yara needs rules: sigrule = 'rule …' or sigfile = '/path/to/rules.yar' (and path = '…')")
        }
        let constraints = PathConstraints(context: context)
        _ = try constraints.targets()  // fails without path/directory, whatever pid_with_namespace says
        let scans = try PidNamespace.roots(context).map { pid, root in (pid: pid, targets: try constraints.targets(root: root)) }
        let targets = scans.lazy.flatMap { scan in scan.targets.lazy.map { (scan.pid, $0) } }
        return RowSequence(targets.lazy.flatMap { target in sources.lazy.map { (target, $0) } }) { scanned, source in
            let (pid, target) = scanned
            // Regular files only, as osquery scans them.
            guard let info = try? FileSystem.status(target.hostPath), info.st_mode & S_IFMT == S_IFREG,
                  let found = source.rules.scan(target.hostPath) else { return nil }
            var row = Row(schema)
            row["path"] = .text(target.path)
            row["matches"] = .text(found.rules)
            row["count"] = .integer(Int64(found.count))
            row["sig_group"] = ""
            row["sigfile"] = .text(source.column == "sigfile" ? source.value : "")
            row["sigrule"] = .text(source.column == "sigrule" ? source.value : "")
            row["strings"] = .text(found.strings)
            row["tags"] = .text(found.tags)
            row["sigurl"] = ""
            row["pid_with_namespace"] = .integer(pid)
            return row
        }
    }
}
