import VigilSQL

/// `vigil_events`: per event table, what the tracer delivered and what was lost at
/// each stage (the kernel's ring buffer, the store's bound, expiry).
public struct EventsTable: VirtualTable {
    public let schema = TableSchema("vigil_events", "Each event table's source: events seen, lost in the kernel, dropped when the store was full, expired, buffered now.", [
        Column("name", .text, "The event table"),
        Column("active", .integer, "1 if the tracer feeding it runs (it needs root and BPF)"),
        Column("events", .bigint, "Events stored since the worker started"),
        Column("lost_in_kernel", .bigint, "Events lost in the kernel: its ring buffer was full, or it skipped a program already running on that CPU"),
        Column("dropped_overflow", .bigint, "Events dropped because the store was full (oldest first)"),
        Column("expired", .bigint, "Events dropped after the expiry"),
        Column("buffered", .bigint, "Events held now"),
        Column("capacity", .bigint, "The most events held (events_max)"),
        Column("expiry", .bigint, "Seconds events are kept (events_expiry)"),
    ])
    let stores: EventStores

    public init(stores: EventStores) { self.stores = stores }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(stores.all.map { store in
            let c = store.counters
            var row = Row(schema)
            row["name"] = .text(store.name)
            row["active"] = SQLValue(c.active)
            row["events"] = SQLValue(c.seen)
            row["lost_in_kernel"] = SQLValue(c.lostInKernel)
            row["dropped_overflow"] = SQLValue(c.overflowed)
            row["expired"] = SQLValue(c.expired)
            row["buffered"] = SQLValue(c.buffered)
            row["capacity"] = SQLValue(store.capacity)
            row["expiry"] = SQLValue(store.expirySeconds)
            return row
        })
    }
}
