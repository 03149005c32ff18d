import Glibc
import VigilSystem

/// Reads /proc files through one 256 KiB buffer: whole (seq_file-backed files such as
/// /proc/PID/maps return a page or so per read(2), so the result grows by what each
/// read returned, not by the size asked for), or as runs of whole lines, for files
/// too large to hold (/proc/kallsyms: over 5 MB).
enum ProcFileReader {
    static let chunk = 256 << 10

    static func read(_ path: String, limit: Int = 256 << 20) throws(SystemError) -> [UInt8] {
        let fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var out: [UInt8] = []
        while out.count < limit {
            let n = try retryingEINTR("read", path: path) { Glibc.read(fd, buffer.baseAddress, min(chunk, limit - out.count)) }
            if n == 0 { break }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return out
    }

    /// Hands `body` the file as runs of whole lines (each run ends with a newline,
    /// but perhaps the last), never holding more than one buffer of it.
    static func forEachLines(_ path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(SystemError) {
        let fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            let n = try retryingEINTR("read", path: path) { Glibc.read(fd, buffer.baseAddress! + filled, chunk - filled) }
            if n == 0 { break }
            filled += n
            // Hand on the whole lines; move the partial last one to the front.
            guard let lastNewline = buffer[0..<filled].lastIndex(of: 0x0a) else {
                if filled == chunk { filled = 0 }  // a line longer than the buffer: dropped
                continue
            }
            body(UnsafeRawBufferPointer(rebasing: buffer[0...lastNewline]))
            let rest = filled - (lastNewline + 1)
            if rest > 0 { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[(lastNewline + 1)..<filled])) }
            filled = rest
        }
        body(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
    }
}
