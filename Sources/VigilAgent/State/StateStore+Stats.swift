import VigilSQL

/// Per-query statistics for `vigil_schedule`: osquery_schedule's columns (totals and
/// last values) plus errors and wall-time percentiles over recent runs.
public struct QueryStats: Sendable, Equatable {
    public var name: String
    public var executions: Int64 = 0
    /// Unix seconds of the last run.
    public var lastExecuted: Int64?
    /// Totals and last values, in microseconds (osquery shows milliseconds; see the `ms` accessors).
    public var wallMicroseconds: Int64 = 0
    public var lastWallMicroseconds: Int64 = 0
    public var userMicroseconds: Int64 = 0
    public var lastUserMicroseconds: Int64 = 0
    public var systemMicroseconds: Int64 = 0
    public var lastSystemMicroseconds: Int64 = 0
    /// Sum of per-run peak memory growth, for the average; and the last run's.
    public var memoryTotal: Int64 = 0
    public var lastMemory: Int64 = 0
    /// Total bytes of output, as osquery's output_size.
    public var outputSize: Int64 = 0
    public var lastRows: Int64 = 0
    public var errors: Int64 = 0
    public var lastError: String?
    /// Wall times of the last `StateStore.recentRuns` runs, oldest first, in microseconds.
    public var recentWallMicroseconds: [Int64] = []

    public var averageMemory: Int64 { executions > 0 ? memoryTotal / executions : 0 }
    public var wallTimeMilliseconds: Int64 { wallMicroseconds / 1000 }
    public var lastWallTimeMilliseconds: Int64 { lastWallMicroseconds / 1000 }
    public var userTimeMilliseconds: Int64 { userMicroseconds / 1000 }
    public var systemTimeMilliseconds: Int64 { systemMicroseconds / 1000 }

    /// The wall time at or below which `percent` of the recent runs finished (nearest rank), µs.
    public func wallPercentile(_ percent: Double) -> Int64? {
        guard !recentWallMicroseconds.isEmpty else { return nil }
        let sorted = recentWallMicroseconds.sorted()
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

extension StateStore {
    /// How many recent wall times are kept per query for percentiles.
    public static let recentRuns = 100

    /// Add one run to `name`'s statistics. `error` is the run's failure, if it failed.
    public func recordRun(_ name: String, cost: QueryCost, at now: Int64, error: String? = nil) throws(SQLError) {
        var s = try stats(name) ?? QueryStats(name: name)
        let wall = cost.wallNanoseconds / 1000, user = cost.userNanoseconds / 1000, system = cost.systemNanoseconds / 1000
        s.executions += 1
        s.lastExecuted = now
        s.wallMicroseconds += wall
        s.lastWallMicroseconds = wall
        s.userMicroseconds += user
        s.lastUserMicroseconds = user
        s.systemMicroseconds += system
        s.lastSystemMicroseconds = system
        s.memoryTotal += cost.memoryBytes ?? 0
        s.lastMemory = cost.memoryBytes ?? 0
        s.outputSize += Int64(cost.outputBytes)
        s.lastRows = Int64(cost.rows)
        if let error {
            s.errors += 1
            s.lastError = error
        }
        s.recentWallMicroseconds = Array((s.recentWallMicroseconds + [wall]).suffix(Self.recentRuns))
        var recent: [UInt8] = []
        for v in s.recentWallMicroseconds { withUnsafeBytes(of: v.littleEndian) { recent += $0 } }
        try database.run("""
            INSERT OR REPLACE INTO query_stats(name, executions, last_executed, wall_us, last_wall_us, user_us, last_user_us,
                system_us, last_system_us, memory_total, last_memory, output_size, last_rows, errors, last_error, recent_wall)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                .text(name), .integer(s.executions), .integer(now), .integer(s.wallMicroseconds), .integer(wall),
                .integer(s.userMicroseconds), .integer(user), .integer(s.systemMicroseconds), .integer(system),
                .integer(s.memoryTotal), .integer(s.lastMemory), .integer(s.outputSize), .integer(s.lastRows),
                .integer(s.errors), SQLValue(s.lastError), .blob(recent),
            ])
    }

    static let statsColumns = """
        name, executions, last_executed, wall_us, last_wall_us, user_us, last_user_us, system_us, last_system_us,
        memory_total, last_memory, output_size, last_rows, errors, last_error, recent_wall
        """

    public func stats(_ name: String) throws(SQLError) -> QueryStats? {
        try database.rows("SELECT \(Self.statsColumns) FROM query_stats WHERE name = ?", [.text(name)]).first.map(Self.stats)
    }

    public func allStats() throws(SQLError) -> [QueryStats] {
        try database.rows("SELECT \(Self.statsColumns) FROM query_stats ORDER BY name").map(Self.stats)
    }

    /// When each query last ran, for the scheduler to keep its cadence across restarts.
    public func lastExecuted() throws(SQLError) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in try database.rows("SELECT name, last_executed FROM query_stats WHERE last_executed IS NOT NULL") {
            if let name = r[0].text, let t = r[1].integer { out[name] = t }
        }
        return out
    }

    private static func stats(_ r: [SQLValue]) -> QueryStats {
        var s = QueryStats(name: r[0].text ?? "")
        s.executions = r[1].integer ?? 0
        s.lastExecuted = r[2].integer
        s.wallMicroseconds = r[3].integer ?? 0
        s.lastWallMicroseconds = r[4].integer ?? 0
        s.userMicroseconds = r[5].integer ?? 0
        s.lastUserMicroseconds = r[6].integer ?? 0
        s.systemMicroseconds = r[7].integer ?? 0
        s.lastSystemMicroseconds = r[8].integer ?? 0
        s.memoryTotal = r[9].integer ?? 0
        s.lastMemory = r[10].integer ?? 0
        s.outputSize = r[11].integer ?? 0
        s.lastRows = r[12].integer ?? 0
        s.errors = r[13].integer ?? 0
        s.lastError = r[14].text
        if case .blob(let bytes) = r[15] {
            s.recentWallMicroseconds = stride(from: 0, to: bytes.count - 7, by: 8).map { i in
                bytes[i..<i + 8].reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
            }
        }
        return s
    }
}
