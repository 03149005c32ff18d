import Glibc

/// Model-specific registers through the kernel's msr driver: /dev/cpu/N/msr, where
/// reading 8 bytes at offset R (pread) executes RDMSR R on CPU N. Needs root and
/// the msr module (CONFIG_X86_MSR).
public struct ModelSpecificRegisters: ~Copyable {
    public let cpu: Int
    private let fd: Int32

    /// The CPUs /dev/cpu (or `directory`) has a numbered entry for.
    public static func cpus(directory: String = "/dev/cpu") -> [Int] {
        ((try? FileSystem.list(directory)) ?? []).compactMap { Int($0) }.sorted()
    }

    /// Opens `directory`/`cpu`/msr read-only.
    public init(cpu: Int, directory: String = "/dev/cpu") throws(SystemError) {
        let path = "\(directory)/\(cpu)/msr"
        fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        self.cpu = cpu
    }

    deinit { close(fd) }

    /// The register at `address`; nil when this CPU has none there (the driver fails the read).
    public func read(_ address: UInt32) -> UInt64? {
        var value: UInt64 = 0
        let n = withUnsafeMutableBytes(of: &value) { buffer in
            var r: Int
            repeat { r = pread(fd, buffer.baseAddress, 8, off_t(address)) } while r == -1 && errno == EINTR
            return r
        }
        return n == 8 ? UInt64(littleEndian: value) : nil
    }
}
