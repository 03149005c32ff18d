import VigilSQL
import VigilSystem

/// `python_packages`: Python distributions installed in site-packages and
/// dist-packages folders, one per `*.dist-info` (wheels, pip) or `*.egg-info`
/// (setuptools, Debian's python3-* packages), from its METADATA or PKG-INFO
/// headers, as `pip list --path DIR` lists them. `directory = X` reads only X.
public struct PythonPackagesTable: VirtualTable {
    public let schema = TableSchema("python_packages", "Python packages installed in a system.", [
        Column("name", .text, "Package display name"),
        Column("version", .text, "Package-supplied version").collated(.version),
        Column("summary", .text, "Package-supplied summary"),
        Column("author", .text, "Optional package author"),
        Column("license", .text, "License under which package is launched"),
        Column("path", .text, "Path at which this module resides"),
        Column("directory", .text, "Directory where Python modules are located", .index),
        Column("pid_with_namespace", .integer, "Read the folders under /proc/PID/root, as this pid sees them; 0 means the host", [.additional, .hidden]),
    ])

    /// The system's module folders (every Python version), and each account's own.
    static let systemPatterns = ["/usr/lib/python%", "/usr/local/lib/python%", "/usr/lib64/python%", "/usr/local/lib64/python%"]
        .flatMap { [$0 + "/site-packages", $0 + "/dist-packages"] }

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let found = PidNamespace.roots(context).lazy.flatMap { pid, root in
            Self.directories(context, root: root).lazy.flatMap { dir in
                PathConstraints.entries(of: dir).lazy
                    .filter { $0.hasSuffix(".dist-info") || $0.hasSuffix(".egg-info") }
                    .map { (pid, root, dir, $0) }
            }
        }
        return RowSequence(found) { pid, root, dir, path in
            guard let headers = Self.metadata(path) else { return nil }
            var row = Row(schema)
            row["name"] = .text(headers["Name"] ?? "")
            row["version"] = .text(headers["Version"] ?? "")
            row["summary"] = .text(headers["Summary"] ?? "")
            row["author"] = .text(headers["Author"] ?? "")
            row["license"] = .text(headers["License"] ?? "")
            row["path"] = .text(PidNamespace.inside(path, root: root))
            row["directory"] = .text(PidNamespace.inside(dir, root: root))
            row["pid_with_namespace"] = .integer(pid)
            return row
        }
    }

    /// The folders to list, as host paths under `root` ("" for the host's own files).
    static func directories(_ context: QueryContext, root: String) -> [String] {
        if let wanted = context.texts("directory") { return wanted.map { root + $0 } }
        var directories = systemPatterns.flatMap { Array(PathPattern(root + $0, wildcards: .percentOnly)) }
        let homes = (try? Passwd.read(root: root)) ?? []
        var seen = Set<String>()
        for home in homes.map(\.home) where !home.isEmpty && home != "/" && seen.insert(home).inserted {
            directories += Array(PathPattern(root + home + "/.local/lib/python%/site-packages", wildcards: .percentOnly))
        }
        return directories
    }

    /// The first value of each header of the distribution's metadata: METADATA in a
    /// .dist-info folder, PKG-INFO in an .egg-info folder, or the .egg-info file itself.
    static func metadata(_ path: String) -> [String: String]? {
        let candidates = path.hasSuffix(".dist-info") ? [path + "/METADATA"] : [path + "/PKG-INFO", path]
        guard let text = candidates.lazy.compactMap({ try? FileSystem.readText($0, limit: 1 << 20) }).first else { return nil }
        var headers: [String: String] = [:]
        // Headers end at the first blank line; the long description follows.
        // Wheels built on Windows have CRLF endings ("\r\n" is one Character in Swift).
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.isEmpty { break }
            guard let first = line.first, first != " ", first != "\t", let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            if headers[key] == nil {
                headers[key] = line[line.index(after: colon)...].trimmingCharacters()
            }
        }
        return headers["Name"] == nil ? nil : headers
    }
}
