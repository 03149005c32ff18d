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
        /// Buffered now, and their bytes as `EventStore.cost` counts them.
        public var buffered = 0
        public var bufferedBytes = 0
        /// Lost before they reached the store: the kernel's ring buffer was full.
        public var lostInKernel: UInt64 = 0
        /// Whether the tracer feeding the store is running (it needs root and BPF).
        public var active = false
    }

    /// One buffered event.
    private struct Entry {
        var eid: Int64
        var time: Int64
        var values: [SQLValue]
        /// What it counts against `maxBytes` (`Self.cost`).
        var bytes: Int
        static let empty = Entry(eid: 0, time: 0, values: [], bytes: 0)
    }

    private struct State {
        /// A ring of at most `capacity` slots, grown as events come: the oldest is at
        /// `start`, and a dropped event's slot is emptied at once, so what is held is
        /// exactly what is buffered (no dropped prefix waits to be compacted).
        var slots: [Entry] = []
        var start = 0
        var count = 0
        var bytes = 0
        var nextEID: Int64 = 1
        var counters = Counters()
        /// Per scheduled query: the last event id it has seen (committed after a successful run).
        var cursors: [String: Int64] = [:]
        /// The query running now, the newest event id when it started, and whether it
        /// has read this store.
        var active: (name: String, upTo: Int64, scanned: Bool)?

        func entry(_ i: Int) -> Entry { slots[(start + i) % slots.count] }

        mutating func dropOldest() -> Entry {
            let old = slots[start]
            slots[start] = .empty
            start = (start + 1) % slots.count
            count -= 1
            bytes -= old.bytes
            return old
        }

        mutating func append(_ e: Entry, capacity: Int) {
            if count == slots.count && slots.count < capacity {
                if start != 0 {
                    slots = Array(slots[start...] + slots[..<start])
                    start = 0
                }
                slots.append(e)
            } else {
                slots[(start + count) % slots.count] = e
            }
            count += 1
            bytes += e.bytes
        }
    }

    public let name: String
    /// The source that feeds it, as osquery_events names its publisher.
    public let publisher: String
    public let capacity: Int
    /// The most the buffered events may hold, as `cost` counts them: a burst of long
    /// command lines must not grow the worker to where the watchdog kills it.
    public let maxBytes: Int
    public let expirySeconds: Int64
    private let state = Mutex(State())

    public init(name: String, publisher: String = "vigil_trace", capacity: Int = 50_000, maxBytes: Int = 16 << 20, expirySeconds: Int64 = 3600) {
        self.name = name
        self.publisher = publisher
        self.capacity = max(1, capacity)
        self.maxBytes = max(1, maxBytes)
        self.expirySeconds = expirySeconds
    }

    /// What an event counts against `maxBytes`: its text and blob bytes plus a fixed
    /// share per value and per event for the structures that hold them.
    static func cost(_ values: [SQLValue]) -> Int {
        values.reduce(64) { total, v in
            switch v {
            case .text(let t): return total + 32 + t.utf8.count
            case .blob(let b): return total + 32 + b.count
            default: return total + 32
            }
        }
    }

    /// Add an event (its column values in the table's order, `eid` left for the store
    /// to fill) at Unix time `time`. The oldest go first when it is full, in rows or bytes.
    public func add(time: Int64, values: [SQLValue]) {
        let bytes = Self.cost(values)
        state.withLock { s in
            let eid = s.nextEID
            s.nextEID += 1
            s.counters.seen += 1
            if bytes > maxBytes {
                s.counters.overflowed += 1  // larger than the whole store: not kept
            } else {
                while s.count > 0 && (s.count >= capacity || s.bytes + bytes > maxBytes) {
                    _ = s.dropOldest()
                    s.counters.overflowed += 1
                }
                s.append(Entry(eid: eid, time: time, values: values, bytes: bytes), capacity: capacity)
            }
            s.counters.buffered = s.count
            s.counters.bufferedBytes = s.bytes
        }
    }

    /// Drop what has expired by `now`.
    public func expire(now: Int64) {
        state.withLock { s in
            while s.count > 0, s.entry(0).time < now - expirySeconds {
                _ = s.dropOldest()
                s.counters.expired += 1
            }
            s.counters.buffered = s.count
            s.counters.bufferedBytes = s.bytes
        }
    }

    /// Events whose values are still held in memory (buffered ones only): what a test
    /// checks against `capacity`.
    var heldEvents: Int { state.withLock { s in s.slots.reduce(0) { $0 + ($1.values.isEmpty ? 0 : 1) } } }

    public var counters: Counters { state.withLock { $0.counters } }

    /// The tracer's view: running or not, and its kernel losses so far.
    public func noteTracer(active: Bool, lostInKernel: UInt64) {
        state.withLock { s in
            s.counters.active = active
            s.counters.lostInKernel = lostInKernel
        }
    }

    /// A scheduled query starts: it will see events after its cursor, up to now.
    public func begin(query: String) { state.withLock { $0.active = (query, $0.nextEID - 1, false) } }

    /// Whether the running scheduled query `query` has read this store.
    public func wasScanned(by query: String) -> Bool {
        state.withLock { $0.active.map { $0.name == query && $0.scanned } ?? false }
    }

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
                s.active?.scanned = true
            }
            var out: [(eid: Int64, values: [SQLValue])] = []
            for i in 0..<s.count {
                let e = s.entry(i)
                if e.eid > from && e.eid <= upTo { out.append((e.eid, e.values)) }
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
            if schema.position(of: "eid") != nil { row["eid"] = .text(String(event.eid)) }
            return row
        }
    }
}

/// The event tables' stores, and which one a scheduled query's run spans.
public final class EventStores: Sendable {
    public let process: EventStore
    public let socket: EventStore
    public let file: EventStore
    /// Fed by kernel uevents (UEventService).
    public let hardware: EventStore
    /// Fed by the audit socket's read-only multicast group (AuditEventService).
    public let user: EventStore
    public let selinux: EventStore
    public let seccomp: EventStore
    /// Fed by rsyslog through a named pipe (SyslogPipeService).
    public let syslog: EventStore
    public var all: [EventStore] { [process, socket, file, hardware, user, selinux, seccomp, syslog] }
    /// The tracer's stores (its ring buffer and BPF programs feed them).
    var traced: [EventStore] { [process, socket, file] }

    public init(capacity: Int = 50_000, expirySeconds: Int64 = 3600) {
        func store(_ name: String, _ publisher: String) -> EventStore {
            EventStore(name: name, publisher: publisher, capacity: capacity, expirySeconds: expirySeconds)
        }
        process = store("process_events", "vigil_trace")
        socket = store("socket_events", "vigil_trace")
        file = store("file_events", "vigil_trace")
        hardware = store("hardware_events", "udev")
        user = store("user_events", "auditeventpublisher")
        selinux = store("selinux_events", "auditeventpublisher")
        seccomp = store("seccomp_events", "auditeventpublisher")
        syslog = store("syslog_events", "syslog")
    }

    /// A reloaded config's file_paths, for the tracer to pick up.
    private let filePathsUpdate = Mutex<FilePaths?>(nil)

    public func postFilePaths(_ paths: FilePaths) { filePathsUpdate.withLock { $0 = paths } }

    func takeFilePathsUpdate() -> FilePaths? { filePathsUpdate.withLock { u in defer { u = nil }; return u } }

    public func begin(query: String) { all.forEach { $0.begin(query: query) } }
    public func end(query: String, succeeded: Bool) { all.forEach { $0.end(query: query, succeeded: succeeded) } }

    /// Whether the running scheduled query `query` read an event table: its results are
    /// then events, each logged once as added, as osquery logs an event-based query.
    public func scanned(by query: String) -> Bool { all.contains { $0.wasScanned(by: query) } }
}
