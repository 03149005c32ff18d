import CLinux
import Glibc

/// How the profiler's large, short-lived arrays go back to the system.
enum MallocPolicy {
    /// Serve blocks of 256 KiB and more with their own mapping, always. glibc's default
    /// raises that threshold to the size of each large block freed (up to 32 MiB), after
    /// which the next tens of megabytes (the rows of a compiler's unwind table while it
    /// is built) come from the heap and stay resident after they are freed.
    static func returnLargeBlocks() {
        _ = once
    }

    private static let once: Bool = mallopt(M_MMAP_THRESHOLD, 256 << 10) == 1
}
