import Glibc
import VigilSystem

/// Reads a /proc file whole with one reusable 256 KiB buffer. seq_file-backed
/// files (/proc/kallsyms: ~15 MB, /proc/PID/maps) return a page or so per
/// read(2), so growing the result by what each read returned — not by the size
/// asked for — keeps a 15 MB read to one copy of the data.
enum ProcFileReader {
    static func read(_ path: String, limit: Int = 256 << 20) throws(SystemError) -> [UInt8] {
        let fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        let chunk = 256 << 10
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
}
