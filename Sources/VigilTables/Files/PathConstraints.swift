import VigilSQL
import VigilSystem

/// The paths a `file` or `hash` scan must visit, from its required `path` /
/// `directory` constraints. All constraints of one scan are ANDed and SQLite
/// re-checks every row, so only the most selective one is expanded (which also
/// keeps a path from being produced twice): `path =`/`IN`, else `directory =`
/// (that directory's entries), else the first `path LIKE` pattern (osquery's
/// `%` / `%%` rules, see `PathPattern`).
struct PathConstraints {
    /// A path to visit and the value of its `directory` column.
    struct Target { let path: String; let directory: String }

    let context: QueryContext

    /// Lazily, every target; throws when no required constraint is usable.
    func targets() throws -> AnySequence<Target> {
        if let paths = context.texts("path") {
            return AnySequence(unique(paths).lazy.map { Target(path: $0, directory: Self.parent(of: $0)) })
        }
        if let dirs = context.texts("directory") {
            return AnySequence(unique(dirs).lazy.flatMap { dir in
                Self.entries(of: dir).lazy.map { Target(path: $0, directory: dir) }
            })
        }
        if let pattern = context.likePatterns("path")?.first {
            return AnySequence(PathPattern(pattern).lazy.map { Target(path: $0, directory: Self.parent(of: $0)) })
        }
        throw TableError.missingRequired(context.schema)
    }

    /// Values in first-seen order without repeats (`IN ('/a', '/a')`).
    func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    /// Sorted full paths of a directory's entries; none when it cannot be listed.
    static func entries(of dir: String) -> [String] {
        guard let names = try? FileSystem.list(dir) else { return [] }
        let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        return names.sorted().map { base + "/" + $0 }
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
