import Glibc

extension SetIDBinaries {
    /// Like `scan`, for the files another process sees: the search directories are
    /// walked below `root` (such as /proc/PID/root) and paths are reported as seen
    /// from inside it. realpath() would resolve /proc/PID/root itself, so aliases
    /// (/bin → usr/bin) are told apart by device and inode instead. With `root` ""
    /// this is `scan()`.
    public static func scan(root: String, _ dirs: [String] = searchDirectories) -> AnySequence<SetIDBinary> {
        if root.isEmpty { return AnySequence(scan(dirs)) }
        var chosen: [String: String] = [:]  // "dev:ino" → directory to walk
        var order: [String] = []
        for dir in dirs {
            guard let st = try? FileSystem.status(root + dir) else { continue }
            let id = "\(st.st_dev):\(st.st_ino)"
            let isLink = (try? FileSystem.status(root + dir, followLinks: false)).map { $0.st_mode & S_IFMT == S_IFLNK } ?? true
            if chosen[id] != nil {
                if !isLink { chosen[id] = dir }  // the real directory wins over links to it
                continue
            }
            chosen[id] = dir
            order.append(id)
        }
        let walk = order.compactMap { chosen[$0] }
        return AnySequence(walk.lazy.flatMap { dir in
            PathPattern(root + dir + "/%%").lazy.compactMap { path -> SetIDBinary? in
                guard let st = try? FileSystem.status(path, followLinks: false),
                      FileKind(mode: st.st_mode) == .regular,
                      st.st_mode & (S_ISUID | S_ISGID) != 0 else { return nil }
                return SetIDBinary(path: String(path.dropFirst(root.count)), uid: st.st_uid, gid: st.st_gid,
                                   setUID: st.st_mode & S_ISUID != 0, setGID: st.st_mode & S_ISGID != 0)
            }
        })
    }
}
