import Glibc
import VigilSystem

/// One osquery FIM pattern: `%` matches within one path level (`%abc`, `abc%` too),
/// `%%` at the end matches everything below. A pattern that does not end in `%%`
/// names files or directories: each path itself and, for a directory, its direct
/// children (what an inotify watch on it reports), as osquery does. The matching is
/// VigilSystem's `PathPattern` (osquery's file_paths wildcards: `%` only, exact case).
public struct FilePattern: Sendable {
    public let text: String
    let pattern: PathPattern
    let recursive: Bool

    /// Nil with the reason when the pattern cannot be used.
    public static func parse(_ text: String) -> Result<FilePattern, PatternError> {
        guard text.hasPrefix("/") else { return .failure(.init(message: "'\(text)' is not an absolute path; file paths start with /")) }
        var levels = text.split(separator: "/", omittingEmptySubsequences: true)
        let recursive = levels.last == "%%"
        if recursive { levels.removeLast() }
        if let bad = levels.first(where: { $0.contains("%%") }) {
            return .failure(.init(message: "'\(text)': %% matches recursively and may only end a pattern (found in '\(bad)'); use % for one level"))
        }
        return .success(FilePattern(text: text, pattern: PathPattern(text, wildcards: .percentOnly), recursive: recursive))
    }

    public struct PatternError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Whether a normalised absolute path is one this pattern watches.
    public func matches(_ path: String) -> Bool {
        if pattern.matches(path) { return true }
        // A direct child of a named path (when that is a directory).
        guard !recursive, let slash = path.lastIndex(of: "/") else { return false }
        return pattern.matches(slash == path.startIndex ? "/" : String(path[..<slash]))
    }

    /// The literal start of the pattern, before any wildcard: every path it matches starts
    /// with it, so the kernel can filter on it.
    public var prefix: String {
        guard let wildcard = text.firstIndex(of: "%") else { return text }
        return String(text[..<wildcard])
    }
}

extension FilePattern: Equatable {
    public static func == (a: FilePattern, b: FilePattern) -> Bool { a.text == b.text }
}

/// Every category's compiled patterns: which category a changed path belongs to.
public struct FileWatchList: Sendable {
    struct Category: Sendable {
        var name: String
        var patterns: [FilePattern]
        var excluded: [FilePattern]
    }

    let categories: [Category]

    /// Patterns were checked when the config loaded; one that fails here is skipped.
    public init(_ paths: FilePaths) {
        categories = paths.categories.map { c in
            Category(name: c.name,
                     patterns: c.patterns.compactMap { try? FilePattern.parse($0).get() },
                     excluded: c.excluded.compactMap { try? FilePattern.parse($0).get() })
        }
    }

    public var isEmpty: Bool { categories.allSatisfy { $0.patterns.isEmpty } }

    /// The first category that watches the path and does not exclude it.
    public func category(of path: String) -> String? {
        categories.first { c in
            c.patterns.contains { $0.matches(path) } && !c.excluded.contains { $0.matches(path) }
        }?.name
    }

    /// What the kernel filters on (a superset of the patterns).
    public var prefixes: [String] { categories.flatMap { $0.patterns.map(\.prefix) } }

    /// Regular files that match a pattern now, up to `limit`.
    public func existingFiles(limit: Int) -> [String] {
        var out: [String] = []
        for c in categories {
            for p in c.patterns where out.count < limit { p.existingFiles(limit: limit, into: &out) }
        }
        return out
    }
}

extension FilePattern {
    /// Regular files that exist now and match, up to `limit` (for watching writes through
    /// descriptors opened before the agent started). Symlinks are not followed.
    func existingFiles(limit: Int, into out: inout [String]) {
        for path in pattern where out.count < limit {
            guard let st = try? FileSystem.status(path, followLinks: false) else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                out.append(path)
            case S_IFDIR where !recursive:
                // A directory named without %% watches its direct children (with it, the
                // walk itself goes on below).
                for name in (try? FileSystem.list(path)) ?? [] where out.count < limit {
                    let child = path.hasSuffix("/") ? path + name : path + "/" + name
                    if let c = try? FileSystem.status(child, followLinks: false), c.st_mode & S_IFMT == S_IFREG { out.append(child) }
                }
            default:
                continue
            }
        }
    }
}
