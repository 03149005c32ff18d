import Glibc
import VigilSystem

/// The results log file: appended to, never truncated on open, rotated by size
/// (FILE → FILE.1 → … → FILE.keep, as `Output.Rotation` describes), and readable at its
/// tail so that delivery after a crash can tell what is already there.
///
/// Why not `VigilSystem.Output`: it truncates its file on open (a restart would erase
/// logged results), buffers 64 KiB (a line must be in the file before it is marked
/// delivered) and cannot read back. The rotation scheme and its type are the same.
public final class ResultsLogFile {
    public let path: String
    /// Nil for a file that is not a regular file (a FIFO, /dev/stdout): those never rotate.
    public let rotation: Output.Rotation?
    /// fdatasync after each append, so that a line reported delivered survives a power cut.
    public let syncWrites: Bool
    private var fd: Int32
    /// Size and inode of the current file.
    public private(set) var size: Int64 = 0
    public private(set) var inode: Int64 = 0
    /// Whether the file can be read back and truncated (a regular file).
    public private(set) var isRegular = false

    public init(path: String, rotation: Output.Rotation? = nil, syncWrites: Bool = true) throws(SystemError) {
        self.path = path
        self.syncWrites = syncWrites
        fd = try Self.open(path)
        var info = stat()
        let regular = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        self.rotation = regular ? rotation : nil
        try refresh()
    }

    deinit { close(fd) }

    private static func open(_ path: String) throws(SystemError) -> Int32 {
        try retryingEINTR("open", path: path) { Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640) }
    }

    /// Re-read size and inode from the open file.
    private func refresh() throws(SystemError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SystemError("fstat", path: path) }
        size = Int64(info.st_size)
        inode = Int64(bitPattern: UInt64(info.st_ino))
        isRegular = (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Rotate first if `count` more bytes would take a non-empty file past its limit, so
    /// that a run's lines are never split across files.
    public func rotateIfNeeded(adding count: Int) throws(SystemError) {
        guard let r = rotation, size > 0, size + Int64(count) > Int64(r.maxBytes) else { return }
        close(fd)
        if r.keep > 0 {
            // A missing FILE.n is normal (fewer rotations so far): rename's ENOENT is ignored.
            for n in stride(from: r.keep - 1, through: 1, by: -1) { rename("\(r.path).\(n)", "\(r.path).\(n + 1)") }
            rename(r.path, "\(r.path).1")
        } else {
            unlink(r.path)
        }
        fd = try Self.open(path)
        try refresh()
    }

    /// Write all of `bytes` at the end (short writes and EINTR retried), then sync if asked.
    public func append(_ bytes: [UInt8]) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", path: path)
            }
            done += n
            size += Int64(n)
        }
        if syncWrites && isRegular {
            _ = try retryingEINTR("fdatasync", path: path) { fdatasync(fd) }
        }
    }

    /// Up to `count` bytes of the current file from `offset` (fewer at its end).
    public func read(at offset: Int64, count: Int) throws(SystemError) -> [UInt8] {
        let reader = try retryingEINTR("open", path: path) { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(reader) }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(reader, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("pread", path: path)
            }
            if n == 0 { break }
            done += n
        }
        return Array(out.prefix(done))
    }

    /// Cut the file back to `offset` bytes (an incomplete write from a crash).
    public func truncate(to offset: Int64) throws(SystemError) {
        _ = try retryingEINTR("ftruncate", path: path) { ftruncate(fd, off_t(offset)) }
        try refresh()
    }

    /// Whether the file at `path` is still the one this object has open (not rotated away
    /// by another program); if not, reopen it.
    public func reopenIfReplaced() throws(SystemError) {
        var info = stat()
        if stat(path, &info) == 0, Int64(bitPattern: UInt64(info.st_ino)) == inode { return }
        close(fd)
        fd = try Self.open(path)
        try refresh()
    }
}
