/// The five measures of osquery's `tools/analysis/profile.py`, with its thresholds, so a
/// pack's cost reads the same in Vigil as in osquery's tooling: level 0 (fine) to 3 (heavy).
public enum ProfileMeasure: String, CaseIterable, Sendable {
    /// CPU time over wall time, in percent of one core (see `ProfileLevels.utilizationWindowSeconds`).
    case utilization
    /// User plus system CPU time, in seconds.
    case cpuTime = "cpu_time"
    /// Bytes of memory, as a number of bytes.
    case memory
    /// File descriptors, as a count.
    case fds
    /// Wall time, in seconds.
    case duration

    /// The one-letter tag profile.py prints before a level ("U:1 C:0 M:2 F:0 D:0").
    public var letter: String {
        switch self {
        case .utilization: "U"
        case .cpuTime: "C"
        case .memory: "M"
        case .fds: "F"
        case .duration: "D"
        }
    }
}

public enum ProfileLevels {
    /// profile.py calls this constant KB but sets it to 1024 * 1024: its memory
    /// thresholds are mebibytes. Kept under its own name so the thresholds below read as
    /// profile.py's do.
    public static let kbBytes = 1024.0 * 1024.0

    /// The three lower bounds of levels 1, 2 and 3 for each measure, from profile.py's RANGES.
    public static func thresholds(_ measure: ProfileMeasure) -> [Double] {
        switch measure {
        case .utilization: [8, 20, 50]
        case .cpuTime: [0.4, 1, 10]
        case .memory: [8 * kbBytes, 12 * kbBytes, 24 * kbBytes]
        case .fds: [10, 20, 50]
        case .duration: [0.8, 1, 3]
        }
    }

    /// The level of `value`: how many thresholds it reaches. profile.py ranks with a strict
    /// `value < threshold`, so a value exactly on a threshold already takes the level above.
    public static func level(_ value: Double, for measure: ProfileMeasure) -> Int {
        let bounds = thresholds(measure)
        return bounds.firstIndex { value < $0 } ?? bounds.count
    }

    /// Utilization is CPU time over wall time, but never over less than this window.
    ///
    /// Why a window: measured on the query's own thread, every CPU-bound query is busy
    /// almost all of its wall time, so `SELECT 1` (50 µs of CPU in 55 µs) would read as
    /// 90% and level 3, and the measure would say nothing cpu_time does not. profile.py
    /// read utilization from psutil in 0.5 s samples, and the watchdog judges CPU over
    /// windows of seconds: a burst shorter than a sample is not utilization anyone sees.
    /// So a query is charged its CPU time over at least one of profile.py's 0.5 s samples,
    /// the span its thresholds were chosen for; a query that runs longer is charged over
    /// its own wall time, and a CPU-bound one still reads near 100%.
    public static let utilizationWindowSeconds = 0.5

    /// Percent of one core: `cpuSeconds` over `wallSeconds`, the window at least.
    public static func utilization(cpuSeconds: Double, wallSeconds: Double) -> Double {
        100 * cpuSeconds / max(wallSeconds, utilizationWindowSeconds)
    }
}

/// The five measures of one query run, or the average of several.
public struct ProfileSample: Sendable, Equatable {
    public var userSeconds: Double
    public var systemSeconds: Double
    public var wallSeconds: Double
    /// How far the process's resident memory rose at its peak during the query
    /// (`MemoryPeak`); nil where the kernel's high-water mark cannot be reset. profile.py
    /// read the whole osqueryi process's RSS instead, so `SELECT * FROM time` showed
    /// 16 MB, level 2, for the shell's own footprint; this is the query's own cost.
    public var memoryBytes: Double?
    /// Descriptors open at once during the query above those open before it
    /// (`DescriptorWatch`); nil when /proc/self/fd cannot be read.
    public var fds: Double?
    public var rows: Double

    public init(userSeconds: Double, systemSeconds: Double, wallSeconds: Double, memoryBytes: Double?, fds: Double?, rows: Double) {
        self.userSeconds = userSeconds
        self.systemSeconds = systemSeconds
        self.wallSeconds = wallSeconds
        self.memoryBytes = memoryBytes
        self.fds = fds
        self.rows = rows
    }

    public var cpuSeconds: Double { userSeconds + systemSeconds }
    public var utilization: Double { ProfileLevels.utilization(cpuSeconds: cpuSeconds, wallSeconds: wallSeconds) }

    public func value(_ measure: ProfileMeasure) -> Double? {
        switch measure {
        case .utilization: utilization
        case .cpuTime: cpuSeconds
        case .memory: memoryBytes
        case .fds: fds
        case .duration: wallSeconds
        }
    }

    /// The profile.py level of one measure; nil when the measure is unknown here.
    public func level(_ measure: ProfileMeasure) -> Int? {
        value(measure).map { ProfileLevels.level($0, for: measure) }
    }

    /// The mean of each measure, as profile.py averages its rounds; a measure missing from
    /// any round is missing from the mean.
    public static func average(_ samples: [ProfileSample]) -> ProfileSample? {
        guard !samples.isEmpty else { return nil }
        let n = Double(samples.count)
        func mean(_ part: (ProfileSample) -> Double?) -> Double? {
            var sum = 0.0
            for s in samples {
                guard let v = part(s) else { return nil }
                sum += v
            }
            return sum / n
        }
        return ProfileSample(
            userSeconds: mean(\.userSeconds) ?? 0, systemSeconds: mean(\.systemSeconds) ?? 0,
            wallSeconds: mean(\.wallSeconds) ?? 0, memoryBytes: mean(\.memoryBytes), fds: mean(\.fds),
            rows: mean(\.rows) ?? 0)
    }
}
