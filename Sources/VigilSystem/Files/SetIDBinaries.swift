import Glibc

/// A regular file with the set-user-ID or set-group-ID bit.
public struct SetIDBinary: Sendable, Equatable {
    public let path: String
    public let uid: UInt32
    public let gid: UInt32
    public let setUID: Bool
    public let setGID: Bool
}

/// Finds setuid/setgid executables under the directories osquery's suid_bin searches.
public enum SetIDBinaries {
    public static let searchDirectories = ["/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/tmp"]

    /// The search directories to walk, one per real directory: on merged-/usr systems
    /// /bin is a link to /usr/bin, and walking both would list every binary twice.
    /// A directory that is not itself a link wins over links to it.
    public static func distinctDirectories(_ dirs: [String] = searchDirectories) -> [String] {
        var chosen: [String: String] = [:]  // real path → directory to walk
        var order: [String] = []
        for dir in dirs {
            guard let real = try? FileSystem.canonicalPath(dir) else { continue }
            if let previous = chosen[real] {
                if previous != real && dir == real { chosen[real] = dir }
                continue
            }
            chosen[real] = dir
            order.append(real)
        }
        return order.compactMap { chosen[$0] }
    }

    /// Lazily, every setuid/setgid regular file below the distinct search directories.
    /// Links are neither followed nor reported: the file they point to is found where it lives.
    public static func scan(_ dirs: [String] = searchDirectories) -> some Sequence<SetIDBinary> {
        distinctDirectories(dirs).lazy.flatMap { dir in
            PathPattern(dir + "/%%").lazy.compactMap { path -> SetIDBinary? in
                guard let st = try? FileSystem.status(path, followLinks: false),
                      FileKind(mode: st.st_mode) == .regular,
                      st.st_mode & (S_ISUID | S_ISGID) != 0 else { return nil }
                return SetIDBinary(path: path, uid: st.st_uid, gid: st.st_gid,
                                   setUID: st.st_mode & S_ISUID != 0, setGID: st.st_mode & S_ISGID != 0)
            }
        }
    }
}
