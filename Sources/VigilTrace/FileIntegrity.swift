import CVigilBPF

/// File integrity monitoring in the kernel: which paths are watched. The kernel keeps
/// write-intent opens, and calls on file descriptors, only when the resolved path
/// starts with one of `prefixes`; such an open marks the file. Creations are always
/// kept; truncations and writes of marked files at most once a second per file (the
/// first write after a creation always). Calls that name paths (unlink, rename,
/// chmod…) are rarer and are matched in user space.
public struct FileIntegrityOptions: Sendable, Equatable {
    /// Absolute path prefixes; a superset of what user space then matches exactly.
    public var prefixes: [String]

    public init(prefixes: [String]) { self.prefixes = prefixes }

    /// The prefixes the kernel checks: at most VIGIL_PATH_PREFIXES, each shorter than
    /// VIGIL_PATH_PREFIX_LEN. Prefixes under others are dropped; when too many remain,
    /// the two that share the longest parent directory are replaced by it (the kernel
    /// then passes more than asked, never less). Empty means "every path".
    public var kernelPrefixes: [String] {
        let limit = Int(VIGIL_PATH_PREFIX_LEN) - 1
        var list = prefixes.map { p -> String in
            let bytes = Array(p.utf8)
            guard bytes.count > limit else { return p }
            // Cut at a directory boundary within the limit.
            let cut = bytes[..<limit].lastIndex(of: UInt8(ascii: "/")) ?? 0
            return String(decoding: bytes[...cut], as: UTF8.self)
        }
        if list.contains(where: { $0.isEmpty || $0 == "/" }) { return [] }
        list = Self.withoutCovered(list)
        while list.count > Int(VIGIL_PATH_PREFIXES) {
            var best = (0, 1, "")
            for i in list.indices {
                for j in list.indices where j > i {
                    let parent = Self.commonDirectory(list[i], list[j])
                    if parent.utf8.count > best.2.utf8.count || best.2.isEmpty { best = (i, j, parent) }
                }
            }
            if best.2 == "/" || best.2.isEmpty { return [] }
            list.remove(at: best.1)
            list[best.0] = best.2
            list = Self.withoutCovered(list)
        }
        return list
    }

    static func withoutCovered(_ list: [String]) -> [String] {
        let unique = Array(Set(list)).sorted()
        return unique.filter { p in !unique.contains { $0 != p && p.hasPrefix($0) } }
    }

    /// The longest directory ("/a/b/") both paths are in.
    static func commonDirectory(_ a: String, _ b: String) -> String {
        var common: [UInt8] = []
        for (x, y) in zip(a.utf8, b.utf8) {
            guard x == y else { break }
            common.append(x)
        }
        guard let slash = common.lastIndex(of: UInt8(ascii: "/")) else { return "" }
        return String(decoding: common[...slash], as: UTF8.self)
    }
}

/// What happened to a file, with osquery's file_events action names.
public enum FileAction: String, Sendable, CaseIterable {
    case created = "CREATED"
    case updated = "UPDATED"
    case deleted = "DELETED"
    case movedFrom = "MOVED_FROM"
    case movedTo = "MOVED_TO"
    case attributesModified = "ATTRIBUTES_MODIFIED"
}

/// One change to one file, from one traced call.
public struct FileChange: Sendable, Equatable {
    public var action: FileAction
    /// Absolute, lexically normalised (".", ".." and repeated "/" removed; symlinks kept).
    public var path: String

    public init(action: FileAction, path: String) {
        self.action = action
        self.path = path
    }
}

/// The syscalls file integrity traces and what each means.
struct FileIntegritySyscall {
    enum Role {
        /// open/openat/openat2/creat for writing: CREATED when it created the file,
        /// UPDATED when it truncated it; either way the file is then watched for writes.
        case open(flagsArgument: String?)
        /// write and friends on a watched file: UPDATED.
        case write
        /// A call on a file descriptor (fchmod, ftruncate…), filtered by path in the kernel.
        case descriptor(FileAction)
        /// A call naming paths, each resolved against a directory fd or the working directory.
        case names([NamedPath])
    }

    struct NamedPath {
        var argument: String
        /// The dirfd argument, or nil for the working directory.
        var directory: String?
        var action: FileAction
    }

    var name: String
    var role: Role

    static let all: [FileIntegritySyscall] = {
        var list: [FileIntegritySyscall] = [
            .init(name: "open", role: .open(flagsArgument: "flags")),
            .init(name: "openat", role: .open(flagsArgument: "flags")),
            .init(name: "openat2", role: .open(flagsArgument: nil)),
            .init(name: "creat", role: .open(flagsArgument: nil)),
            .init(name: "ftruncate", role: .descriptor(.updated)),
            .init(name: "fchmod", role: .descriptor(.attributesModified)),
            .init(name: "fchown", role: .descriptor(.attributesModified)),
        ]
        list += ["write", "pwrite64", "writev", "pwritev", "pwritev2"].map { .init(name: $0, role: .write) }
        func named(_ name: String, _ paths: [(String, String?, FileAction)]) -> FileIntegritySyscall {
            .init(name: name, role: .names(paths.map { NamedPath(argument: $0.0, directory: $0.1, action: $0.2) }))
        }
        list += [
            named("unlink", [("pathname", nil, .deleted)]),
            named("unlinkat", [("pathname", "dfd", .deleted)]),
            named("rmdir", [("pathname", nil, .deleted)]),
            named("mkdir", [("pathname", nil, .created)]),
            named("mkdirat", [("pathname", "dfd", .created)]),
            named("mknod", [("filename", nil, .created)]),
            named("mknodat", [("filename", "dfd", .created)]),
            named("rename", [("oldname", nil, .movedFrom), ("newname", nil, .movedTo)]),
            named("renameat", [("oldname", "olddfd", .movedFrom), ("newname", "newdfd", .movedTo)]),
            named("renameat2", [("oldname", "olddfd", .movedFrom), ("newname", "newdfd", .movedTo)]),
            named("link", [("newname", nil, .created)]),
            named("linkat", [("newname", "newdfd", .created)]),
            named("symlink", [("newname", nil, .created)]),
            named("symlinkat", [("newname", "newdfd", .created)]),
            named("truncate", [("path", nil, .updated)]),
            named("chmod", [("filename", nil, .attributesModified)]),
            named("fchmodat", [("filename", "dfd", .attributesModified)]),
            named("fchmodat2", [("filename", "dfd", .attributesModified)]),
            named("chown", [("filename", nil, .attributesModified)]),
            named("lchown", [("filename", nil, .attributesModified)]),
            named("fchownat", [("filename", "dfd", .attributesModified)]),
            named("utimensat", [("filename", "dfd", .attributesModified)]),
        ]
        return list
    }()

    static let byName: [String: FileIntegritySyscall] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// O_WRONLY | O_RDWR | O_CREAT | O_TRUNC: an open that may change the file.
    static let writeIntent: UInt32 = 0o1 | 0o2 | 0o100 | 0o1000
}

extension SyscallEvent {
    /// The file changes this call made, when it is one of file integrity's syscalls.
    public var fileChanges: [FileChange] {
        guard ret >= 0, let spec = FileIntegritySyscall.byName[syscall] else { return [] }
        switch spec.role {
        case .open:
            guard let path = resolvedPath, path.hasPrefix("/"), !resolvedPathTruncated else { return [] }
            if created { return [FileChange(action: .created, path: path)] }
            if openFlags & 0o1000 != 0 { return [FileChange(action: .updated, path: path)] }
            return []
        case .write:
            guard let path = resolvedPath, path.hasPrefix("/"), !resolvedPathTruncated else { return [] }
            return [FileChange(action: .updated, path: path)]
        case .descriptor(let action):
            guard let path = resolvedPath, path.hasPrefix("/"), !resolvedPathTruncated else { return [] }
            return [FileChange(action: action, path: path)]
        case .names(let paths):
            return paths.enumerated().compactMap { i, named in
                // An empty or absent name (AT_EMPTY_PATH, utimensat(fd, NULL)) means the dirfd's own file.
                let name = string(named.argument) ?? ""
                if truncated.contains(named.argument) { return nil }
                guard let path = Self.resolve(name, against: directories[i]) else { return nil }
                return FileChange(action: named.action, path: path)
            }
        }
    }

    /// `name` made absolute against `directory`, then normalised lexically.
    static func resolve(_ name: String, against directory: String?) -> String? {
        let joined: String
        if name.hasPrefix("/") {
            joined = name
        } else if let directory, directory.hasPrefix("/") {
            joined = name.isEmpty ? directory : directory + "/" + name
        } else {
            return nil
        }
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
