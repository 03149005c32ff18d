import VigilSQL

/// `vigil_watchdog`: every worker the supervisor killed, and every one that died on
/// its own, with which limit, what was measured, for how long and which query ran.
public struct WatchdogTable: VirtualTable {
    public let schema = TableSchema("vigil_watchdog", "Each end of the agent's worker: killed for a limit (which, the measured value, how long, the query running) or died (exit status or signal).", [
        Column("time", .bigint, "UNIX time of the end"),
        Column("pid", .bigint, "The worker's pid"),
        Column("cause", .text, "limit (killed by the watchdog), died (crash, OOM killer, kill from outside), shutdown, or crash_loop"),
        Column("limit_name", .text, "memory or cpu, for cause limit"),
        Column("measured", .double, "Memory above the initial footprint (MB) or CPU (percent of all cores); restarts for crash_loop"),
        Column("threshold", .double, "The limit in force (MB or percent)"),
        Column("seconds", .double, "How long the CPU limit was exceeded; the window for crash_loop"),
        Column("query", .text, "The scheduled query the worker was running"),
        Column("denylisted", .integer, "1 if that query was denylisted for it"),
        Column("exit_status", .integer, "Exit status, if the worker exited"),
        Column("signal", .integer, "The signal that ended the worker"),
        Column("lifetime", .double, "Seconds the worker ran"),
        Column("detail", .text, "The same in words"),
    ])
    let view: AgentStateView

    public init(view: AgentStateView) { self.view = view }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let records = try view.read { (store: StateStore) throws(SQLError) in try store.watchdogRecords() }
        return RowSequence(records.map { r in
            var row = Row(schema)
            row["time"] = SQLValue(r.time)
            row["pid"] = SQLValue(r.pid)
            row["cause"] = .text(r.cause)
            row["limit_name"] = SQLValue(r.limit)
            row["measured"] = r.measured.map(SQLValue.double) ?? .null
            row["threshold"] = r.threshold.map(SQLValue.double) ?? .null
            row["seconds"] = r.seconds.map(SQLValue.double) ?? .null
            row["query"] = SQLValue(r.query)
            row["denylisted"] = SQLValue(r.denylisted)
            row["exit_status"] = SQLValue(r.exitStatus)
            row["signal"] = SQLValue(r.signal)
            row["lifetime"] = .double(r.lifetime)
            row["detail"] = .text(r.detail)
            return row
        })
    }
}
