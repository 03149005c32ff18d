import CLinux
import Glibc

/// Opens files whose path someone else may control (a user's home, a path typed in a
/// query) so that reading them cannot hurt the reader: only regular files on a disk
/// filesystem are opened for reading. A FIFO or a terminal blocks, a device never
/// ends or acts when opened (/dev/watchdog arms on open), and files of the kernel's
/// pseudo filesystems look regular but may block (/proc/kmsg, tracefs' trace_pipe) or
/// take what belongs to others (a /proc/kmsg reader steals the system logger's lines).
///
/// The path is opened with O_PATH first, which neither blocks nor runs a driver's
/// open; the descriptor is checked with fstat/fstatfs; only then is that same inode
/// opened for reading, through /proc/self/fd (no second lookup a user could race).
public enum RegularFile {
    /// A readable descriptor for `path` (relative to `directory`), or a typed error:
    /// EINVAL with operation "not a regular file" or "kernel pseudo file" when refused.
    /// `followLinks: false` refuses a symbolic link as the last component (O_NOFOLLOW).
    public static func open(at directory: Int32 = AT_FDCWD, _ path: String, followLinks: Bool = true) throws(SystemError) -> Int32 {
        let flags = VIGIL_O_PATH | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW)
        let handle = try retryingEINTR("open", path: path) { openat(directory, path, flags) }
        defer { close(handle) }
        var st = stat()
        _ = try retryingEINTR("fstat", path: path) { fstat(handle, &st) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw SystemError("not a regular file", path: path, errno: EINVAL) }
        let type = vigil_fstatfs_type(handle)
        guard type != -1 else { throw SystemError("fstatfs", path: path) }
        guard !pseudoFilesystems.contains(UInt32(truncatingIfNeeded: type)) else {
            throw SystemError("kernel pseudo file", path: path, errno: EINVAL)
        }
        // Permission is checked here, against this thread's filesystem identity.
        return try retryingEINTR("open", path: path) { Glibc.open("/proc/self/fd/\(handle)", O_RDONLY | O_CLOEXEC | O_NOCTTY) }
    }

    /// The whole file, up to `limit` bytes (what is past the limit is not read).
    public static func read(at directory: Int32 = AT_FDCWD, _ path: String, limit: Int,
                            followLinks: Bool = true) throws(SystemError) -> [UInt8] {
        let fd = try open(at: directory, path, followLinks: followLinks)
        defer { close(fd) }
        return try FileSystem.readAll(fd, path: path, limit: limit)
    }

    /// The file as UTF-8 text (invalid bytes repaired), up to `limit` bytes: for
    /// configs and policies, which a FIFO swapped in must not block.
    public static func readText(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    /// Magic numbers (statfs f_type) of filesystems whose files are the kernel's, not
    /// stored bytes: proc, sysfs, debugfs, tracefs, securityfs, cgroup and cgroup2,
    /// bpf, configfs, pstore, efivarfs, fusectl, selinuxfs.
    static let pseudoFilesystems: Set<UInt32> = [
        0x9fa0, 0x6265_6572, 0x6462_6720, 0x7472_6163, 0x7363_6673, 0x0027_e0eb, 0x6367_7270,
        0xcafe_4a11, 0x6265_6570, 0x6165_676c, 0xde5e_81e4, 0x6573_5543, 0xf97c_ff8c,
    ]
}
