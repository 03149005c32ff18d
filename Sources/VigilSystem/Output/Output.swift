import Glibc

/// Buffered writes to a file descriptor. Swift 6 forbids the C `stdout` global,
/// and a large result should not be one write per cell anyway.
public final class Output {
    var fd: Int32
    let closeOnDeinit: Bool
    /// Size-based rotation of a file output: FILE → FILE.1 → … → FILE.keep.
    public struct Rotation: Sendable {
        public let path: String
        public let maxBytes: Int
        public let keep: Int
        public init(path: String, maxBytes: Int, keep: Int) {
            self.path = path
            self.maxBytes = maxBytes
            self.keep = keep
        }
    }
    let rotation: Rotation?
    private var fileBytes = 0
    private var buffer: [UInt8] = []
    private let flushAt = 64 << 10

    public init(fd: Int32, closeOnDeinit: Bool = false) {
        self.fd = fd
        self.closeOnDeinit = closeOnDeinit
        self.rotation = nil
        buffer.reserveCapacity(flushAt + 4096)
    }

    /// A file output, truncated on open, rotated by size when `rotation` says so.
    /// Callers write whole lines, so a rotation never splits one.
    /// Only regular files rotate: renaming /dev/null or a FIFO away would replace a
    /// device the whole host uses with a plain file.
    public init(path: String, rotation: Rotation? = nil) throws(SystemError) {
        fd = try retryingEINTR("open", path: path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        closeOnDeinit = true
        var info = stat()
        let regular = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        self.rotation = regular ? rotation : nil
        buffer.reserveCapacity(flushAt + 4096)
    }

    deinit {
        flush()
        if closeOnDeinit { close(fd) }
    }


    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushAt { flush() }
    }

    /// Raw bytes (an already encoded line).
    public func write(bytes: UnsafeRawBufferPointer) {
        rotateIfFull(adding: bytes.count)
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushAt { flush() }
    }

    /// Rotate before a whole line that would take the file past its limit.
    private func rotateIfFull(adding count: Int) {
        guard let rotation, fileBytes + buffer.count + count > rotation.maxBytes else { return }
        flush()
        rotate(rotation)
    }

    /// Close the file, shift FILE.n → FILE.n+1 (dropping the oldest), FILE → FILE.1, reopen.
    private func rotate(_ r: Rotation) {
        guard fileBytes > 0 else { return }
        close(fd)
        if r.keep > 0 {
            for n in stride(from: r.keep - 1, through: 1, by: -1) { rename("\(r.path).\(n)", "\(r.path).\(n + 1)") }
            rename(r.path, "\(r.path).1")
        }
        fd = open(r.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        fileBytes = 0
    }

    /// `count` copies of one byte (table padding and rules).
    public func repeatByte(_ byte: UInt8, count: Int) {
        guard count > 0 else { return }
        buffer.append(contentsOf: repeatElement(byte, count: count))
        if buffer.count >= flushAt { flush() }
    }

    public func line(_ text: String = "") {
        rotateIfFull(adding: text.utf8.count + 1)
        write(text)
        write("\n")
    }

    /// Bytes that could not be written, and the errno of the last failure.
    public private(set) var droppedBytes = 0
    public private(set) var lastError: Int32 = 0

    public func flush() {
        var offset = 0
        while offset < buffer.count {
            // Through withUnsafeBytes, not a slice: a slice would share the storage and
            // make removeAll(keepingCapacity:) below reallocate.
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                // A closed pipe or a full disk: drop output, never crash; but count it,
                // so that a trace can say what it could not write.
                lastError = errno
                droppedBytes += buffer.count - offset
                break
            }
            offset += n
        }
        fileBytes += offset
        buffer.removeAll(keepingCapacity: true)
    }
}
