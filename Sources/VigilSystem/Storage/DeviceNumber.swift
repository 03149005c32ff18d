import Glibc

/// Device numbers in the two encodings a file's device comes in.
public enum DeviceNumber {
    /// The kernel's own (MKDEV: major << 20 | minor), as BPF programs read s_dev and
    /// as /proc/PID/maps prints it, from stat's st_dev (glibc's encoding).
    public static func kernel(fromStat device: UInt64) -> UInt64 {
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
        let minor = (device & 0xff) | ((device >> 12) & ~0xff)
        return major << 20 | minor
    }

    /// Whether the open file `descriptor` is the file (device, inode), the device in
    /// the kernel's encoding.
    public static func isFile(_ descriptor: Int32, device: UInt64, inode: UInt64) -> Bool {
        var st = stat()
        guard fstat(descriptor, &st) == 0 else { return false }
        return UInt64(st.st_ino) == inode && kernel(fromStat: UInt64(st.st_dev)) == device
    }
}
