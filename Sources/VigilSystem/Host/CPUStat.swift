/// One per-CPU line of /proc/stat ("cpuN user nice system idle iowait irq softirq steal guest guest_nice"),
/// in clock ticks (USER_HZ).
public struct CPUTimes: Sendable, Equatable {
    public var core: Int
    public var user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice: Int64
}

public enum CPUStat {
    /// Per-CPU counters; the aggregate "cpu" line is left out.
    public static func read() throws(SystemError) -> [CPUTimes] {
        parse(try FileSystem.readText("/proc/stat"))
    }

    public static func parse(_ text: String) -> [CPUTimes] {
        FileSystem.lines(text).compactMap { line in
            guard line.hasPrefix("cpu") else { return nil }
            let f = line.split(separator: " ")
            guard let core = Int(f[0].dropFirst(3)) else { return nil }  // "cpu" alone is the aggregate
            // Older kernels have fewer columns; missing ones are 0.
            let v = (0..<10).map { i in i + 1 < f.count ? Int64(f[i + 1]) ?? 0 : 0 }
            return CPUTimes(core: core, user: v[0], nice: v[1], system: v[2], idle: v[3], iowait: v[4], irq: v[5],
                            softirq: v[6], steal: v[7], guest: v[8], guestNice: v[9])
        }
    }
}
