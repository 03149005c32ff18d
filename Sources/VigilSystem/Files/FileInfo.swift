import CLinux
import Glibc

/// The kind of a filesystem object, from the S_IFMT bits of st_mode.
public enum FileKind: String, Sendable {
    case regular, directory, symlink, block, character, fifo, socket, unknown

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        case S_IFBLK: self = .block
        case S_IFCHR: self = .character
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }
}

/// Metadata of one path. Like osquery, the numbers describe what a symlink points
/// to (stat), falling back to the link itself (lstat) when the target is missing;
/// `isSymlink` says whether the path itself is a link.
public struct FileInfo: Sendable {
    public let path: String
    public let isSymlink: Bool
    public let kind: FileKind
    public let inode: UInt64
    public let uid: UInt32
    public let gid: UInt32
    /// st_mode without the file-type bits (permissions plus setuid/setgid/sticky).
    public let permissions: UInt32
    /// st_rdev: the device a block/character special file stands for, else 0.
    public let device: UInt64
    public let size: Int64
    public let blockSize: Int64
    public let accessTime: Int64
    public let modifyTime: Int64
    public let changeTime: Int64
    /// Creation time from statx(STATX_BTIME), 0 when the filesystem does not record it.
    public let birthTime: Int64
    public let hardLinks: UInt64

    /// lstat, then stat through a link. Throws when the path itself does not exist.
    public static func read(_ path: String) throws(SystemError) -> FileInfo {
        let link = try FileSystem.status(path, followLinks: false)
        let isSymlink = link.st_mode & S_IFMT == S_IFLNK
        var st = link
        var followed = false
        if isSymlink, let target = try? FileSystem.status(path, followLinks: true) {
            st = target
            followed = true
        }
        return FileInfo(
            path: path, isSymlink: isSymlink, kind: FileKind(mode: st.st_mode),
            inode: UInt64(st.st_ino), uid: st.st_uid, gid: st.st_gid,
            permissions: UInt32(st.st_mode & 0o7777), device: UInt64(st.st_rdev),
            size: Int64(st.st_size), blockSize: Int64(st.st_blksize),
            accessTime: Int64(st.st_atim.tv_sec), modifyTime: Int64(st.st_mtim.tv_sec),
            changeTime: Int64(st.st_ctim.tv_sec),
            birthTime: birthTime(path, followLinks: !isSymlink || followed),
            hardLinks: UInt64(st.st_nlink))
    }

    /// Permissions as four octal digits, the way `stat -c %a` pads them: "0644", "4755".
    public var octalMode: String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Birth time from statx(2), or 0 where the filesystem does not record one.
    static func birthTime(_ path: String, followLinks: Bool) -> Int64 {
        var info = statx()
        guard vigil_statx(AT_FDCWD, path, followLinks ? 0 : AT_SYMLINK_NOFOLLOW, UInt32(STATX_BTIME), &info) == 0,
              info.stx_mask & UInt32(STATX_BTIME) != 0 else { return 0 }
        return info.stx_btime.tv_sec
    }
}

extension FileSystem {
    /// The absolute path with every symbolic link, "." and ".." resolved (realpath).
    public static func canonicalPath(_ path: String) throws(SystemError) -> String {
        guard let resolved = realpath(path, nil) else { throw SystemError("realpath", path: path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
