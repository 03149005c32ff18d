import Glibc

/// An osquery-style file pattern, the one matcher of them (the `file` and `hash`
/// tables' paths, the agent's `file_paths` and `exclude_paths`):
/// - `%` matches any characters within one path segment (and, with `.like`
///   wildcards, `_` one character);
/// - a segment `%%` matches one or more whole segments (everything below),
///   and `name%%` matches `name%` plus everything below each match.
/// It answers whether a path matches (`matches`), and, as a sequence, finds the
/// existing paths that match by walking only the directories the pattern can reach.
/// The walk is lazy and does not descend through symbolic links, so `/%%` cannot loop.
public struct PathPattern: Sequence, Sendable {
    /// What a wildcard segment means beyond `%`.
    public enum Wildcards: Sendable {
        /// SQL LIKE's: `_` is one character and ASCII letters compare case-insensitively,
        /// so what a table finds is a superset of what LIKE accepts (SQLite re-checks).
        case like
        /// osquery's file_paths: `%` only, and exact case, as the paths are watched.
        case percentOnly
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        /// One level, matched against the glob.
        case glob([UInt8])
        /// The glob at the first level, then every descendant of each match.
        case recursive([UInt8])
    }

    let segments: [Segment]
    let wildcards: Wildcards
    /// Only absolute patterns can be walked or matched; anything else matches nothing.
    let isAbsolute: Bool

    public init(_ pattern: String, wildcards: Wildcards = .like) {
        self.wildcards = wildcards
        isAbsolute = pattern.hasPrefix("/")
        segments = pattern.split(separator: "/").map { part in
            let bytes = Array(part.utf8)
            if part.contains("%%") {
                var collapsed = String(part)
                while collapsed.contains("%%") { collapsed = collapsed.replacingAll("%%", with: "%") }
                return .recursive(Array(collapsed.utf8))
            }
            if bytes.contains(UInt8(ascii: "%")) || wildcards == .like && bytes.contains(UInt8(ascii: "_")) { return .glob(bytes) }
            return .literal(String(part))
        }
    }

    /// Whether an absolute path (empty segments ignored, as in "/a//b/") matches.
    public func matches(_ path: String) -> Bool {
        guard isAbsolute, path.hasPrefix("/") else { return false }
        // One copy of the path's bytes; the levels are slices of it.
        let names = Array(path.utf8).split(separator: UInt8(ascii: "/"))
        return matches(names[...], segments[...])
    }

    private func matches(_ names: ArraySlice<ArraySlice<UInt8>>, _ rest: ArraySlice<Segment>) -> Bool {
        guard let segment = rest.first else { return names.isEmpty }
        guard let name = names.first else { return false }
        switch segment {
        case .literal(let literal):
            return name.elementsEqual(literal.utf8) && matches(names.dropFirst(), rest.dropFirst())
        case .glob(let glob):
            return Self.matches(name, glob, wildcards) && matches(names.dropFirst(), rest.dropFirst())
        case .recursive(let glob):
            // The first level against the glob, then any number of levels below it.
            guard Self.matches(name, glob, wildcards) else { return false }
            var below = names.dropFirst()
            while true {
                if matches(below, rest.dropFirst()) { return true }
                if below.isEmpty { return false }
                below = below.dropFirst()
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(self) }

    public struct Iterator: IteratorProtocol {
        /// A path that matched segments[0..<index]; `below` marks a path already
        /// inside a recursive segment, whose children also match that segment.
        struct Pending { let path: String; let index: Int; let below: Bool }
        let segments: [Segment]
        var stack: [Pending]

        let wildcards: Wildcards

        init(_ pattern: PathPattern) {
            segments = pattern.segments
            wildcards = pattern.wildcards
            stack = pattern.isAbsolute ? [Pending(path: "", index: 0, below: false)] : []
        }

        public mutating func next() -> String? {
            while let item = stack.popLast() {
                if item.below {
                    // Descend only into real directories, never through links.
                    let children = Self.children(item.path, realDirectoriesOnly: true)
                    for child in children.reversed() {
                        stack.append(Pending(path: child, index: item.index, below: true))
                        stack.append(Pending(path: child, index: item.index + 1, below: false))
                    }
                    continue
                }
                if item.index == segments.count { return item.path.isEmpty ? "/" : item.path }
                switch segments[item.index] {
                case .literal(let name):
                    let child = item.path + "/" + name
                    if FileSystem.existsWithoutFollowing(child) {
                        stack.append(Pending(path: child, index: item.index + 1, below: false))
                    }
                case .glob(let glob):
                    for child in Self.children(item.path, matching: glob, wildcards).reversed() {
                        stack.append(Pending(path: child, index: item.index + 1, below: false))
                    }
                case .recursive(let glob):
                    for child in Self.children(item.path, matching: glob, wildcards).reversed() {
                        stack.append(Pending(path: child, index: item.index, below: true))
                        stack.append(Pending(path: child, index: item.index + 1, below: false))
                    }
                }
            }
            return nil
        }

        /// Sorted child paths of `dir` whose names match `glob`; unreadable directories have none.
        static func children(_ dir: String, matching glob: [UInt8]? = nil, _ wildcards: Wildcards = .like,
                             realDirectoriesOnly: Bool = false) -> [String] {
            let path = dir.isEmpty ? "/" : dir
            if realDirectoriesOnly {
                guard let st = try? FileSystem.status(path, followLinks: false), st.st_mode & S_IFMT == S_IFDIR else { return [] }
            }
            guard let names = try? FileSystem.list(path) else { return [] }
            return names.filter { glob == nil || PathPattern.matches(Array($0.utf8)[...], glob!, wildcards) }
                .sorted()
                .map { dir + "/" + $0 }
        }
    }

    /// One name against a glob: `%` any run; with `.like`, `_` one byte and ASCII case folded.
    static func matches(_ name: ArraySlice<UInt8>, _ glob: [UInt8], _ wildcards: Wildcards) -> Bool {
        let like = wildcards == .like
        let fold = { (b: UInt8) -> UInt8 in like && b >= 65 && b <= 90 ? b + 32 : b }
        var n = name.startIndex, g = 0
        var starG = -1, starN = n
        while n < name.endIndex {
            if g < glob.count, glob[g] == UInt8(ascii: "%") {
                starG = g; starN = n; g += 1
            } else if g < glob.count, like && glob[g] == UInt8(ascii: "_") || fold(glob[g]) == fold(name[n]) {
                n += 1; g += 1
            } else if starG >= 0 {
                starN += 1; n = starN; g = starG + 1
            } else {
                return false
            }
        }
        while g < glob.count, glob[g] == UInt8(ascii: "%") { g += 1 }
        return g == glob.count
    }
}

extension FileSystem {
    /// Whether the path exists, not following a final symbolic link (a dangling link exists).
    public static func existsWithoutFollowing(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation here).
    func replacingAll(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
