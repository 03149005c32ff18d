import VigilSQL

/// `vigil_telemetry`: the worker's own CPU and memory every 10 s for the last 24 h.
public struct TelemetryTable: VirtualTable {
    public let schema = TableSchema("vigil_telemetry", "The agent worker's own CPU use and memory, sampled every 10 s and kept for 24 h.", [
        Column("time", .bigint, "UNIX time of the sample"),
        Column("pid", .bigint, "The worker's pid"),
        Column("cpu_percent", .double, "CPU used since the previous sample, percent of one core"),
        Column("resident_size", .bigint, "Resident memory in bytes"),
        Column("threads", .integer, "Threads of the worker"),
        Column("queries_run", .bigint, "Scheduled queries run by this worker so far"),
    ])
    let view: AgentStateView

    public init(view: AgentStateView) { self.view = view }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let samples = try view.read { (store: StateStore) throws(SQLError) in try store.telemetry() }
        return RowSequence(samples.map { s in
            var row = Row(schema)
            row["time"] = SQLValue(s.time)
            row["pid"] = SQLValue(s.pid)
            row["cpu_percent"] = .double(s.cpuPercent)
            row["resident_size"] = SQLValue(s.residentBytes)
            row["threads"] = SQLValue(s.threads)
            row["queries_run"] = SQLValue(s.queriesRun)
            return row
        })
    }
}
