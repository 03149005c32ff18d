import Glibc

/// Small, allocation-light file helpers over open/read/readlink/readdir. /proc and
/// /sys files report size 0, so reads go until EOF rather than trusting fstat.
public enum FileSystem {
    /// The whole file, up to `limit` bytes.
    public static func read(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> [UInt8] {
        try read(at: AT_FDCWD, path, limit: limit)
    }

    /// The whole file `name` relative to the directory `directory` (openat), up to `limit` bytes.
    /// `shortReadEnds`: a read that returns less than asked is the end, so no read is
    /// spent to see EOF. True of some /proc files (see ProcessDirectory.readWhole), not
    /// of pipes, sockets or seq files of many records.
    public static func read(at directory: Int32, _ name: String, limit: Int = 64 << 20,
                            shortReadEnds: Bool = false) throws(SystemError) -> [UInt8] {
        let fd = try retryingEINTR("open", path: name) { openat(directory, name, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try readAll(fd, path: name, limit: limit, shortReadEnds: shortReadEnds)
    }

    /// Read an open descriptor to EOF (or `limit`). Starts with one page (/proc files are
    /// small) and doubles the buffer only when it is full: /proc hands out about a page
    /// per read whatever is asked, so each read costs its bytes, not the buffer's size.
    static func readAll(_ fd: Int32, path: String, limit: Int, shortReadEnds: Bool = false) throws(SystemError) -> [UInt8] {
        var capacity = min(4096, max(limit, 1))
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        defer { buffer.deallocate() }
        var count = 0
        while count < limit {
            if count == capacity {
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: min(capacity * 2, limit), alignment: 1)
                grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                buffer.deallocate()
                buffer = grown
                capacity = grown.count
            }
            let asked = min(capacity, limit) - count
            let r = Glibc.read(fd, buffer.baseAddress! + count, asked)
            if r < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", path: path)
            }
            if r == 0 { break }
            count += r
            if shortReadEnds && r < asked { break }
        }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// The file as UTF-8 text (invalid bytes repaired).
    public static func readText(_ path: String, limit: Int = 64 << 20) throws(SystemError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    /// The file's text, or nil if it cannot be read for any reason.
    public static func readTextIfPresent(_ path: String) -> String? {
        try? readText(path)
    }

    /// The target of a symbolic link (readlink).
    public static func readLink(_ path: String) throws(SystemError) -> String {
        try readLink(at: AT_FDCWD, path)
    }

    /// The target of the symbolic link `name` relative to `directory` (readlinkat).
    public static func readLink(at directory: Int32, _ name: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = try retryingEINTR("readlink", path: name) { readlinkat(directory, name, &buffer, buffer.count - 1) }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Names in a directory, without "." and "..".
    public static func list(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError("opendir", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// lstat or stat of a path.
    public static func status(_ path: String, followLinks: Bool = true) throws(SystemError) -> stat {
        var st = stat()
        _ = try retryingEINTR(followLinks ? "stat" : "lstat", path: path) {
            followLinks ? stat(path, &st) : lstat(path, &st)
        }
        return st
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Split text into lines without the line ending (LF or CRLF); empty lines are dropped.
    public static func lines(_ text: String) -> [Substring] {
        // "\r\n" is one Character in Swift, so it must be named to be split on.
        text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }
}
