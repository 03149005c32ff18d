import VigilSQL
import VigilSystem

/// The paths a `file` or `hash` scan must visit, from its required `path` /
/// `directory` constraints. All constraints of one scan are ANDed and SQLite
/// re-checks every row, so only the most selective one is expanded (which also
/// keeps a path from being produced twice): `path =`/`IN`, else `directory =`
/// (that directory's entries), else the first `path LIKE` pattern (osquery's
/// `%` / `%%` rules, see `PathPattern`), else the entries of the directories the
/// first `directory LIKE` pattern matches.
struct PathConstraints {
    /// A path to visit and the value of its `directory` column. `path` and
    /// `directory` are as the query names them; `hostPath` is where Vigil reads
    /// it (under /proc/PID/root for `pid_with_namespace`).
    struct Target { let path: String; let directory: String; let hostPath: String }

    let context: QueryContext

    /// Lazily, every target read under `root` ("" for the host, "/proc/PID/root"
    /// for `pid_with_namespace`); throws when no required constraint is usable.
    func targets(root: String = "") throws -> AnySequence<Target> {
        if let paths = context.texts("path") {
            return AnySequence(unique(paths).lazy.map {
                Target(path: $0, directory: Self.parent(of: $0), hostPath: Self.under(root, $0))
            })
        }
        if let dirs = context.texts("directory") {
            return AnySequence(unique(dirs).lazy.flatMap { dir in
                Self.entries(of: dir, root: root).lazy.map { Target(path: $0, directory: dir, hostPath: Self.under(root, $0)) }
            })
        }
        if let pattern = context.likePatterns("path")?.first {
            // Only absolute patterns walk anything, so the root prefix never lands mid-name.
            let host = pattern.hasPrefix("/") ? root + pattern : pattern
            return AnySequence(PathPattern(host).lazy.map { found in
                let path = PidNamespace.inside(found, root: root)
                return Target(path: path, directory: Self.parent(of: path), hostPath: found)
            })
        }
        if let pattern = context.likePatterns("directory")?.first {
            // osquery globs the pattern for folders, which glob marks with a trailing
            // "/": that is the `directory` value, so `directory LIKE '/home/%/'` matches.
            let host = pattern.hasPrefix("/") ? root + pattern : pattern
            let dirs = PathPattern(host).lazy.filter { (try? FileInfo.read($0))?.kind == .directory }
            return AnySequence(dirs.flatMap { found in
                let dir = PidNamespace.inside(found, root: root)
                return Self.entries(of: dir, root: root).lazy.map {
                    Target(path: $0, directory: dir.hasSuffix("/") ? dir : dir + "/", hostPath: Self.under(root, $0))
                }
            })
        }
        throw TableError.missingRequired(context.schema)
    }

    /// Values in first-seen order without repeats (`IN ('/a', '/a')`).
    func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    /// Sorted full paths of a directory's entries (read under `root`, named
    /// without it); none when it cannot be listed.
    static func entries(of dir: String, root: String = "") -> [String] {
        guard let names = try? FileSystem.list(under(root, dir)) else { return [] }
        let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        return names.sorted().map { base + "/" + $0 }
    }

    /// `path` read below `root`; a relative path counts from that root, since
    /// the other process's working directory is not ours to know.
    static func under(_ root: String, _ path: String) -> String {
        if root.isEmpty { return path }
        return path.hasPrefix("/") ? root + path : root + "/" + path
    }

    /// The path without its last component: "/etc/passwd" → "/etc", "/etc" → "/".
    static func parent(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        return String(p[..<slash])
    }

    static func fileName(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return String(p) }
        return p.count == 1 ? "/" : String(p[p.index(after: slash)...])
    }
}
