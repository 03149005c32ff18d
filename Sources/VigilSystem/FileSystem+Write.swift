import Glibc

extension FileSystem {
    /// Replace `path` with `bytes` so that a reader (or a crash) sees the old file or
    /// the new one, never half of one: a new file beside it (O_EXCL, O_NOFOLLOW, `mode`),
    /// fsync, then rename(2) over the old.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(SystemError) {
        let temporary = path + ".tmp-\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SystemError("open", path: temporary) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = SystemError("write", path: temporary)
                close(fd)
                unlink(temporary)
                throw error
            }
            offset += n
        }
        if fsync(fd) != 0 {
            let error = SystemError("fsync", path: temporary)
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let error = SystemError("rename", path: path)
            unlink(temporary)
            throw error
        }
    }
}
