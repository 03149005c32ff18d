import Synchronization
import VigilSQL

/// The buffered events of one event table: a bounded FIFO with expiry. What
/// overflows (the oldest, when full) and what expires are counted, not hidden.
/// Each scheduled query sees only the events since its last successful run, as
/// osquery's event tables do; an ad hoc query sees everything buffered.
public final class EventStore: Sendable {
    public struct Counters: Sendable, Equatable {
        /// Events added since the agent's worker started.
        public var seen: UInt64 = 0
        /// Dropped because the store was full (the oldest go first).
        public var overflowed: UInt64 = 0
        /// Dropped because they were older than the expiry.
        public var expired: UInt64 = 0
        /// Buffered now.
        public var buffered = 0
        /// Lost before they reached the store: the kernel's ring buffer was full.
        public var lostInKernel: UInt64 = 0
        /// Whether the tracer feeding the store is running (it needs root and BPF).
        public var active = false
    }

    private struct State {
        var rows: [(eid: Int64, time: Int64, values: [SQLValue])] = []
        var head = 0
        var nextEID: Int64 = 1
        var counters = Counters()
        /// Per scheduled query: the last event id it has seen (committed after a successful run).
        var cursors: [String: Int64] = [:]
        /// The query running now, and the newest event id when it started.
        var active: (name: String, upTo: Int64)?
    }

    public let name: String
    public let capacity: Int
    public let expirySeconds: Int64
    private let state = Mutex(State())

    public init(name: String, capacity: Int = 50_000, expirySeconds: Int64 = 3600) {
        self.name = name
        self.capacity = max(1, capacity)
        self.expirySeconds = expirySeconds
    }

    /// Add an event (its column values in the table's order, `eid` left for the store
    /// to fill) at Unix time `time`.
    public func add(time: Int64, values: [SQLValue]) {
        state.withLock { s in
            let eid = s.nextEID
            s.nextEID += 1
            s.counters.seen += 1
            if s.rows.count - s.head >= capacity {
                s.head += 1
                s.counters.overflowed += 1
            }
            s.rows.append((eid, time, values))
            compact(&s)
        }
    }

    /// Drop what has expired by `now`.
    public func expire(now: Int64) {
        state.withLock { s in
            while s.head < s.rows.count, s.rows[s.head].time < now - expirySeconds {
                s.head += 1
                s.counters.expired += 1
            }
            compact(&s)
        }
    }

    /// Reclaim the dropped prefix once it is as large as what is kept.
    private func compact(_ s: inout State) {
        if s.head > 1024 && s.head * 2 >= s.rows.count {
            s.rows.removeFirst(s.head)
            s.head = 0
        }
        s.counters.buffered = s.rows.count - s.head
    }

    public var counters: Counters { state.withLock { $0.counters } }

    /// The tracer's view: running or not, and its kernel losses so far.
    public func noteTracer(active: Bool, lostInKernel: UInt64) {
        state.withLock { s in
            s.counters.active = active
            s.counters.lostInKernel = lostInKernel
        }
    }

    /// A scheduled query starts: it will see events after its cursor, up to now.
    public func begin(query: String) { state.withLock { $0.active = (query, $0.nextEID - 1) } }

    /// It finished; on success its cursor moves to where it read up to.
    public func end(query: String, succeeded: Bool) {
        state.withLock { s in
            if succeeded, let active = s.active, active.name == query { s.cursors[query] = active.upTo }
            s.active = nil
        }
    }

    /// The events a scan returns now: for the running scheduled query, those after
    /// its cursor; otherwise all. Each as (eid, values).
    public func scan() -> [(eid: Int64, values: [SQLValue])] {
        state.withLock { s in
            var from: Int64 = 0
            var upTo = Int64.max
            if let active = s.active {
                from = s.cursors[active.name] ?? 0
                upTo = active.upTo
            }
            var out: [(eid: Int64, values: [SQLValue])] = []
            for i in s.head..<s.rows.count where s.rows[i].eid > from && s.rows[i].eid <= upTo {
                out.append((s.rows[i].eid, s.rows[i].values))
            }
            return out
        }
    }
}

extension EventStore {
    /// A scan as table rows: the stored values in `schema`'s order, and the event id.
    func rows(_ schema: TableSchema) -> RowSequence {
        RowSequence(scan()) { event in
            var row = Row(schema)
            for (i, v) in event.values.enumerated() where i < schema.columns.count { row[schema.columns[i].name] = v }
            row["eid"] = .text(String(event.eid))
            return row
        }
    }
}

/// The event tables' stores, and which one a scheduled query's run spans.
public final class EventStores: Sendable {
    public let process: EventStore
    public let socket: EventStore
    public let file: EventStore
    public var all: [EventStore] { [process, socket, file] }

    public init(capacity: Int = 50_000, expirySeconds: Int64 = 3600) {
        process = EventStore(name: "process_events", capacity: capacity, expirySeconds: expirySeconds)
        socket = EventStore(name: "socket_events", capacity: capacity, expirySeconds: expirySeconds)
        file = EventStore(name: "file_events", capacity: capacity, expirySeconds: expirySeconds)
    }

    /// A reloaded config's file_paths, for the tracer to pick up.
    private let filePathsUpdate = Mutex<FilePaths?>(nil)

    public func postFilePaths(_ paths: FilePaths) { filePathsUpdate.withLock { $0 = paths } }

    func takeFilePathsUpdate() -> FilePaths? { filePathsUpdate.withLock { u in defer { u = nil }; return u } }

    public func begin(query: String) { all.forEach { $0.begin(query: query) } }
    public func end(query: String, succeeded: Bool) { all.forEach { $0.end(query: query, succeeded: succeeded) } }
}
