import Glibc

/// The reading end of a named pipe (fifo(7)) that another program writes lines to, as
/// rsyslog's ompipe does. Created if missing; a path that exists and is not a FIFO is
/// an error, never replaced. It holds a write end too, so the pipe never reads as
/// closed between writers and a writer that opens it never blocks.
public final class NamedPipeReader {
    public let path: String
    let readFD: Int32
    let writeFD: Int32
    var pending: [UInt8] = []
    /// A line longer than this is cut (rsyslog's own messages stop far below it).
    public static let maxLineBytes = 64 << 10

    /// Open (making with `mode` if missing, and its folder with 0755) the FIFO at `path`.
    public init(path: String, mode: mode_t = 0o600) throws(SystemError) {
        self.path = path
        // Its folder, and theirs (osquery's default /var/osquery may not exist yet).
        var folder = ""
        for part in path.split(separator: "/").dropLast() {
            folder += "/" + part
            if mkdir(folder, 0o755) != 0 && errno != EEXIST { throw SystemError("mkdir", path: folder) }
        }
        if mkfifo(path, mode) != 0 && errno != EEXIST { throw SystemError("mkfifo", path: path) }
        let st = try FileSystem.status(path)
        guard st.st_mode & S_IFMT == S_IFIFO else { throw SystemError("open (not a named pipe)", path: path, errno: EEXIST) }
        let r = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard r >= 0 else { throw SystemError("open", path: path) }
        let w = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard w >= 0 else {
            let error = SystemError("open for writing", path: path)
            close(r)
            throw error
        }
        readFD = r
        writeFD = w
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// The complete lines written since the last call, waiting at most
    /// `timeoutMilliseconds` for the first bytes.
    public func lines(timeoutMilliseconds: Int32) throws(SystemError) -> [String] {
        var pfd = pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, timeoutMilliseconds)
        if ready < 0 { if errno == EINTR { return [] }; throw SystemError("poll", path: path) }
        if ready == 0 { return [] }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { break }
                throw SystemError("read", path: path)
            }
            if n == 0 { break }
            pending += chunk[0..<n]
            if n < chunk.count { break }
        }
        var out: [String] = []
        var start = 0
        for (i, byte) in pending.enumerated() where byte == 10 {
            out.append(String(decoding: pending[start..<i], as: UTF8.self))
            start = i + 1
        }
        pending.removeFirst(start)
        if pending.count > Self.maxLineBytes {
            out.append(String(decoding: pending.prefix(Self.maxLineBytes), as: UTF8.self))
            pending.removeAll()
        }
        return out
    }
}
