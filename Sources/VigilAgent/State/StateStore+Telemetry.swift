import VigilSQL

/// The agent's own cost at one moment (`vigil_telemetry`), as Velociraptor's client stats.
public struct TelemetrySample: Sendable, Equatable {
    public var time: Int64
    public var pid: Int64
    /// CPU used since the previous sample, percent of one core.
    public var cpuPercent: Double
    public var residentBytes: Int64
    public var threads: Int64
    public var queriesRun: Int64

    public init(time: Int64, pid: Int64, cpuPercent: Double, residentBytes: Int64, threads: Int64, queriesRun: Int64) {
        self.time = time
        self.pid = pid
        self.cpuPercent = cpuPercent
        self.residentBytes = residentBytes
        self.threads = threads
        self.queriesRun = queriesRun
    }
}

extension StateStore {
    static let telemetrySchema = """
        CREATE TABLE IF NOT EXISTS telemetry(
            time INTEGER NOT NULL, pid INTEGER NOT NULL, cpu_percent REAL NOT NULL,
            resident_bytes INTEGER NOT NULL, threads INTEGER NOT NULL, queries_run INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS telemetry_time ON telemetry(time);
        """

    /// Add a sample and drop those older than `keepSeconds` (24 h by default).
    public func recordTelemetry(_ s: TelemetrySample, keepSeconds: Int64 = 86_400) throws(SQLError) {
        try database.transaction { () throws(SQLError) in
            try database.run("INSERT INTO telemetry VALUES (?, ?, ?, ?, ?, ?)", [
                .integer(s.time), .integer(s.pid), .double(s.cpuPercent), .integer(s.residentBytes),
                .integer(s.threads), .integer(s.queriesRun),
            ])
            try database.run("DELETE FROM telemetry WHERE time < ?", [.integer(s.time - keepSeconds)])
        }
    }

    public func telemetry() throws(SQLError) -> [TelemetrySample] {
        try database.rows("SELECT time, pid, cpu_percent, resident_bytes, threads, queries_run FROM telemetry ORDER BY time").map { r in
            TelemetrySample(time: r[0].integer ?? 0, pid: r[1].integer ?? 0, cpuPercent: r[2].double ?? 0,
                            residentBytes: r[3].integer ?? 0, threads: r[4].integer ?? 0, queriesRun: r[5].integer ?? 0)
        }
    }
}
