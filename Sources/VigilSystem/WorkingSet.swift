import Glibc

/// The program's own code pages that only starting up needed, given back. Vigil is one
/// large binary (the server, the tracer, the profiler and every library are in it), and
/// a fault on a code page maps the pages around it too (the kernel's fault-around), so
/// after start-up an idle agent keeps tens of megabytes of code mapped that it will not
/// run again. Unmapping the executable's text (never written, so nothing is lost: a page
/// still needed is mapped again from the page cache on its next use) leaves mapped only
/// what the process goes on to use.
public enum WorkingSet {
    /// Unmap this process's pages of its executable's read-only code mapping
    /// (madvise(MADV_DONTNEED) on the `r-xp` mapping of /proc/self/exe); how much the
    /// resident set shrank, in bytes (/proc/self/statm before and after).
    @discardableResult
    public static func releaseStartupCode() -> Int {
        guard let exe = try? FileSystem.readLink("/proc/self/exe"),
              let maps = try? FileSystem.read("/proc/self/maps") else { return 0 }
        let before = residentBytes()
        // Only code: data mappings hold relocations and state that must not be dropped. The
        // link says " (deleted)" once an upgrade replaced the binary, as the maps line does.
        for region in MemoryMap.parse(maps, executableOnly: true) where region.permissions == "r-xp" && region.pathText == exe {
            guard region.end > region.start, let address = UnsafeMutableRawPointer(bitPattern: UInt(region.start)) else { continue }
            _ = madvise(address, Int(region.end - region.start), MADV_DONTNEED)
        }
        return max(0, before - residentBytes())
    }

    /// This process's resident set (the second field of /proc/self/statm, in pages).
    public static func residentBytes() -> Int {
        guard let statm = FileSystem.readTextIfPresent("/proc/self/statm"),
              let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
