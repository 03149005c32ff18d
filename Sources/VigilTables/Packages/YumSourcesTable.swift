import VigilSQL
import VigilSystem

/// `yum_sources`: the repositories in yum's and dnf's `*.repo` files, in the
/// folder /etc/yum.conf's `reposdir` names (/etc/yum.repos.d by default), a row
/// per [section]. A host without them (Debian) has no rows.
/// `pid_with_namespace = P` reads the files P sees, such as a container's.
public struct YumSourcesTable: VirtualTable {
    public let schema = TableSchema("yum_sources", "Current list of Yum repositories or software channels.", [
        Column("name", .text, "Repository name"),
        Column("baseurl", .text, "Repository base URL"),
        Column("mirrorlist", .text, "Mirrorlist URL"),
        Column("enabled", .text, "Whether the repository is used"),
        Column("gpgcheck", .text, "Whether packages are GPG checked"),
        Column("gpgkey", .text, "URL to GPG key"),
        Column("pid_with_namespace", .integer, "Read the files under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
    ])

    /// A folder to read as the root instead of / (tests build one); nil reads the host's.
    let root: String?

    public init() { self.root = nil }
    public init(root: String) { self.root = root }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        let roots = root.map { [(pid: Int64(0), root: $0)] } ?? PidNamespace.roots(context)
        for (pid, root) in roots {
            let main = FileSystem.readTextIfPresent(root + "/etc/yum.conf").map(Self.sections) ?? []
            let reposDirectories = main.first { $0.name == "main" }?.values["reposdir"]
                .map { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) } ?? ["/etc/yum.repos.d"]
            for dir in reposDirectories {
                for file in PathConstraints.entries(of: dir, root: root) where file.hasSuffix(".repo") {
                    guard let text = FileSystem.readTextIfPresent(PathConstraints.under(root, file)) else { continue }
                    for section in Self.sections(text) {
                        var row = Row(schema)
                        for column in ["name", "baseurl", "mirrorlist", "enabled", "gpgcheck", "gpgkey"] {
                            row[column] = SQLValue(section.values[column])
                        }
                        row["pid_with_namespace"] = .integer(pid)
                        rows.append(row)
                    }
                }
            }
        }
        return RowSequence(rows)
    }

    /// The [sections] of an INI file in order, each with its `key=value` pairs.
    /// Comments start with # or ;. A line that begins with white space continues the
    /// previous value (a baseurl or gpgkey with several URLs), joined with a space.
    static func sections(_ text: String) -> [(name: String, values: [String: String])] {
        var out: [(name: String, values: [String: String])] = []
        var lastKey: String?
        for raw in FileSystem.lines(text) {
            let line = raw.trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                out.append((String(line.dropFirst().dropLast()).trimmingCharacters(), [:]))
                lastKey = nil
            } else if raw.first == " " || raw.first == "\t", let key = lastKey, !out.isEmpty {
                out[out.count - 1].values[key, default: ""] += " " + line
            } else if let eq = line.firstIndex(of: "="), !out.isEmpty {
                let key = String(line[..<eq]).trimmingCharacters()
                out[out.count - 1].values[key] = String(line[line.index(after: eq)...]).trimmingCharacters()
                lastKey = key
            }
        }
        return out
    }
}
