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

    /// statx birth time in seconds, or 0 when unavailable (old kernel or libc, a
    /// filesystem that does not record it). Swift's Glibc module does not export
    /// statx (it is behind _GNU_SOURCE), so it is looked up with dlsym and its
    /// struct read at the kernel ABI's fixed offsets (stx_mask at 0, stx_btime at 80).
    static func birthTime(_ path: String, followLinks: Bool) -> Int64 {
        guard let statx = statxFunction else { return 0 }
        let statxBirthTime: UInt32 = 0x800     // STATX_BTIME
        let symlinkNoFollow: Int32 = 0x100     // AT_SYMLINK_NOFOLLOW
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        guard statx(-100 /* AT_FDCWD */, path, followLinks ? 0 : symlinkNoFollow, statxBirthTime, buffer) == 0,
              buffer.load(fromByteOffset: 0, as: UInt32.self) & statxBirthTime != 0 else { return 0 }
        return buffer.load(fromByteOffset: 80, as: Int64.self)
    }

    typealias StatxFunction = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UInt32, UnsafeMutableRawPointer) -> Int32
    /// glibc's statx (2.28+), or nil on a libc without it. RTLD_DEFAULT is a null handle.
    static let statxFunction: StatxFunction? = dlsym(nil, "statx").map {
        unsafeBitCast($0, to: StatxFunction.self)
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
