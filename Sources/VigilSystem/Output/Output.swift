import Glibc

/// Buffered writes to a file descriptor. Swift 6 forbids the C `stdout` global,
/// and a large result should not be one write per cell anyway.
public final class Output {
    let fd: Int32
    let closeOnDeinit: Bool
    private var buffer: [UInt8] = []
    private let flushAt = 64 << 10

    public init(fd: Int32, closeOnDeinit: Bool = false) {
        self.fd = fd
        self.closeOnDeinit = closeOnDeinit
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
    public func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushAt { flush() }
    }

    /// `count` copies of one byte (table padding and rules).
    public func repeatByte(_ byte: UInt8, count: Int) {
        guard count > 0 else { return }
        buffer.append(contentsOf: repeatElement(byte, count: count))
        if buffer.count >= flushAt { flush() }
    }

    public func line(_ text: String = "") {
        write(text)
        write("\n")
    }

    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                break  // a closed pipe: drop output, never crash the query
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
