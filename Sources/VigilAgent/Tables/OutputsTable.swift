import VigilSQL

/// `vigil_outputs`: each results output `logger_plugin` names, with what it has taken,
/// what waits for it and what it gave up on.
public struct OutputsTable: VirtualTable {
    public let schema = TableSchema("vigil_outputs", "Each results output in force (logger_plugin): records and bytes delivered, records waiting, records dropped, the last error.", [
        Column("name", .text, "filesystem, syslog, stdout or tcp"),
        Column("delivered_records", .bigint, "Result records this output has taken (tcp: acknowledged by the collector)"),
        Column("delivered_bytes", .bigint, "Bytes of those records"),
        Column("pending_records", .bigint, "Records committed but not yet taken by this output"),
        Column("dropped_records", .bigint, "Records given up on: larger than the destination takes, or over the pending cap while it was down"),
        Column("last_error", .text, "The latest error or drop, in words"),
        Column("last_delivery", .bigint, "UNIX time of the last record taken"),
    ])
    let view: AgentStateView

    public init(view: AgentStateView) { self.view = view }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let outputs = try view.read { (store: StateStore) throws(SQLError) in try store.outputStatus() }
        let stateError = view.stateError
        return RowSequence(outputs.map { o in
            var row = Row(schema)
            row["name"] = .text(o.name)
            row["delivered_records"] = SQLValue(o.deliveredRecords)
            row["delivered_bytes"] = SQLValue(o.deliveredBytes)
            row["pending_records"] = SQLValue(o.pendingRecords)
            row["dropped_records"] = SQLValue(o.droppedRecords)
            // Results are queued in the state store for every output: when it cannot be
            // written, that is each output's error now, though the store cannot say so.
            row["last_error"] = SQLValue(stateError.map { "results cannot be queued: \($0)" } ?? o.lastError)
            row["last_delivery"] = SQLValue(o.lastDelivery)
            return row
        })
    }
}
