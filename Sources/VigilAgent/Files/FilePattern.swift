import Glibc
import VigilSystem

/// One osquery FIM pattern: `%` matches within one path level (`%abc`, `abc%` too),
/// `%%` at the end matches everything below. A pattern without wildcards at its end
/// names a file or a directory: the path itself and, for a directory, its direct
/// children (what an inotify watch on it reports), as osquery does.
public struct FilePattern: Sendable, Equatable {
    public let text: String
    let levels: [Substring]
    let recursive: Bool

    /// Nil with the reason when the pattern cannot be used.
    public static func parse(_ text: String) -> Result<FilePattern, PatternError> {
        guard text.hasPrefix("/") else { return .failure(.init(message: "'\(text)' is not an absolute path; file paths start with /")) }
        var levels = text.split(separator: "/", omittingEmptySubsequences: true)
        var recursive = false
        if levels.last == "%%" {
            recursive = true
            levels.removeLast()
        }
        if let bad = levels.first(where: { $0.contains("%%") }) {
            return .failure(.init(message: "'\(text)': %% matches recursively and may only end a pattern (found in '\(bad)'); use % for one level"))
        }
        return .success(FilePattern(text: text, levels: levels, recursive: recursive))
    }

    public struct PatternError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Whether a normalised absolute path is one this pattern watches.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if recursive { return parts.count > levels.count && zip(levels, parts).allSatisfy(Self.level) }
        // The named path itself, or a direct child of it (when it is a directory).
        guard parts.count == levels.count || parts.count == levels.count + 1 else { return false }
        return zip(levels, parts).allSatisfy(Self.level)
    }

    /// The literal start of the pattern, before any wildcard: every path it matches starts
    /// with it, so the kernel can filter on it.
    public var prefix: String {
        guard let wildcard = text.firstIndex(of: "%") else { return text }
        return String(text[..<wildcard])
    }

    /// One level against `%` wildcards (SQL LIKE's, within a level).
    static func level(_ pattern: Substring, _ name: Substring) -> Bool {
        guard pattern.contains("%") else { return pattern == name }
        let pieces = pattern.split(separator: "%", omittingEmptySubsequences: false)
        var rest = name[...]
        for (i, piece) in pieces.enumerated() {
            if i == 0 {
                guard rest.hasPrefix(piece) else { return false }
                rest = rest.dropFirst(piece.count)
            } else if i == pieces.count - 1 {
                return piece.isEmpty || (rest.count >= piece.count && rest.hasSuffix(piece))
            } else if !piece.isEmpty {
                guard let r = rest.range(of: piece) else { return false }
                rest = rest[r.upperBound...]
            }
        }
        return true
    }
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
        var frontier = ["/"]
        for level in levels {
            var next: [String] = []
            for directory in frontier {
                if !level.contains("%") {
                    next.append(Self.join(directory, level))
                    continue
                }
                for name in (try? FileSystem.list(directory)) ?? [] where Self.level(level, name[...]) {
                    next.append(Self.join(directory, name[...]))
                }
            }
            frontier = next
        }
        var stack = frontier
        while let path = stack.popLast(), out.count < limit {
            guard let st = try? FileSystem.status(path, followLinks: false) else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                out.append(path)
            case S_IFDIR:
                // A directory named without %% watches its direct children; with it, everything below.
                let isNamedLevel = frontier.contains(path)
                guard recursive || isNamedLevel else { continue }
                for name in (try? FileSystem.list(path)) ?? [] {
                    let child = Self.join(path, name[...])
                    if recursive { stack.append(child) } else if let c = try? FileSystem.status(child, followLinks: false), c.st_mode & S_IFMT == S_IFREG, out.count < limit { out.append(child) }
                }
            default:
                continue
            }
        }
    }

    static func join(_ directory: String, _ name: Substring) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
