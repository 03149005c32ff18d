import VigilSQL
import VigilSystem

/// Why recording a run failed: the state store or the results log.
public enum RecorderError: Error, Sendable, CustomStringConvertible {
    case state(SQLError)
    case log(SystemError)
    /// Only from tests: the recorder stopped where a kill -9 could have stopped it.
    case simulatedCrash(ResultsRecorder.Step)

    public var description: String {
        switch self {
        case .state(let e): return "state store: \(e)"
        case .log(let e): return "results log: \(e)"
        case .simulatedCrash(let step): return "simulated crash at \(step)"
        }
    }
}

/// Turns query runs into results-log lines exactly once, whatever instant the worker dies,
/// and hands the same lines to the other outputs (`RecordOutput`) at least once.
///
/// A run is recorded in three steps:
/// 1. one transaction stores the new rows (the next diff's baseline), the counter, the
///    statistics, clears the executing marker, and queues the log bytes in the outbox,
///    with the log position they will be written at;
/// 2. the bytes are appended to the log (one write; fdatasync);
/// 3. the outbox row is deleted.
/// After a crash, `deliverPending` looks at each queued item's recorded position: if the
/// bytes are all there, step 3 is finished; if only a prefix is (a write cut short), it is
/// cut off and written again; otherwise the item is written. The position is recorded
/// before any byte is written, so a write can never be taken for another item's.
///
/// Each output, the results log included, has a cursor over the outbox (the last id it
/// took, in the state store); a row is deleted once every cursor has passed it. So one
/// output that is down holds back neither the log nor the others, and the rows it still
/// needs are capped by its `maxPendingBytes` (see ResultsRecorder+Outputs.swift).
public final class ResultsRecorder {
    public enum Step: Sendable, Equatable {
        case insideCommit, afterCommit, beforeWrite, afterWrite, afterDelivered
    }

    public let store: StateStore
    /// The results log; nil when `logger_plugin` leaves out `filesystem`.
    public let log: ResultsLogFile?
    /// The outputs besides the results log.
    public let outputs: [any RecordOutput]
    public let hostIdentifier: String
    /// osquery's schedule_epoch: a run diffs only against results of the same epoch.
    public let epoch: Int64
    /// For crash tests: return true to stop at that step as a kill would.
    var crashAt: (Step) -> Bool = { _ in false }
    /// Whether the outputs' cursors are set up in the store (done on first use, so that
    /// making a recorder cannot fail).
    private var prepared = false
    /// Each output's last error as reported to the caller, to report changes only.
    var reportedErrors: [OutputKind: String] = [:]
    /// After `deliverOutputs`: whether an output still has records to take (it was down,
    /// or a hand-over is in flight), so the caller should call again soon.
    public internal(set) var outputsWaiting = false

    public init(store: StateStore, log: ResultsLogFile?, outputs: [any RecordOutput] = [], hostIdentifier: String, epoch: Int64 = 0) {
        self.store = store
        self.log = log
        self.outputs = outputs
        self.hostIdentifier = hostIdentifier
        self.epoch = epoch
    }

    /// What one recorded run produced.
    public struct Outcome: Sendable {
        public var counter: Int64
        public var content: ResultContent
        public var bytes: Int
        /// Set when the run is stored but the log could not take it yet; it stays queued
        /// and goes out with the next delivery.
        public var deliveryError: RecorderError?
        /// What the other outputs have to say (an error that is new, a recovery).
        public var outputMessages: [String] = []
    }

    /// The cursor of the results log's output.
    static let filesystem = OutputKind.filesystem.rawValue

    /// Register the configured outputs' cursors, once.
    func prepare() throws(RecorderError) {
        guard !prepared else { return }
        let names = (log == nil ? [] : [Self.filesystem]) + outputs.map(\.kind.rawValue)
        try state { () throws(SQLError) in try store.configureOutputs(names) }
        prepared = true
    }

    private func stop(_ step: Step) throws(RecorderError) {
        if crashAt(step) { throw .simulatedCrash(step) }
    }

    /// Record a successful run of `entry` that returned `rows`. `eventBased`: the query
    /// read an event table, whose rows are the events since its last run; they are all
    /// added, and none is kept to diff against, so an event that ages out of the
    /// buffer is never logged as removed (osquery does the same for event tables).
    public func record(_ entry: ScheduleEntry, rows: [ResultRow], cost: QueryCost, decorations: [String: String], at now: Int64,
                       eventBased: Bool = false) throws(RecorderError) -> Outcome {
        try prepare()
        let queryHash = Int64(bitPattern: StableHash.hash(entry.query))
        let prior = try state { () throws(SQLError) in try store.queryState(entry.name) }
        // Start afresh (counter 0, every row added) on a first run, a changed query, a new
        // epoch, or a query that switched from snapshot to differential.
        let continuing = prior.map { $0.queryHash == queryHash && $0.epoch == epoch && (entry.snapshot || $0.rows != nil) } ?? false
        let counter = continuing ? (prior?.counter ?? -1) + 1 : 0
        let previous = eventBased ? [] : continuing ? prior?.rows : nil
        let content = ResultContent.of(snapshot: entry.snapshot, removed: entry.removed, previous: previous, current: rows)
        let header = ResultHeader(name: entry.name, hostIdentifier: hostIdentifier, unixTime: now, epoch: epoch, counter: counter, decorations: decorations)
        let payload = content.isEmpty ? [] : ResultLogFormat.encode(header, content)

        // Without a backlog this run's bytes go right after the commit, at the log's end:
        // record that position now and save a commit. Rotation first, so the position holds.
        // A log that cannot rotate now does not lose the run: it is queued without a
        // position and delivery reports the error.
        var position: LogPosition?
        let backlog = try state { () throws(SQLError) in try store.hasOutbox(after: try store.outputCursor(Self.filesystem)) }
        if let log, !payload.isEmpty && !backlog {
            do {
                try log.reopenIfReplaced()
                try log.rotateIfNeeded(adding: payload.count)
                if log.isRegular { position = LogPosition(inode: log.inode, offset: log.size) }
            } catch {
                position = nil
            }
        }

        do {
            try store.database.transaction { () throws(SQLError) in
                try store.saveQueryState(entry.name, .init(queryHash: queryHash, epoch: epoch, counter: counter, rows: entry.snapshot ? nil : eventBased ? [] : rows))
                try store.recordRun(entry.name, cost: cost, at: now)
                try store.clearExecuting()
                if !payload.isEmpty {
                    _ = try store.insertOutbox(name: entry.name, epoch: epoch, counter: counter, payload: payload, position: position)
                }
                if crashAt(.insideCommit) { throw SQLError(code: -1, message: "simulated crash inside the commit") }
            }
        } catch {
            if error.code == -1 { throw .simulatedCrash(.insideCommit) }
            throw .state(error)
        }
        try stop(.afterCommit)
        var outcome = Outcome(counter: counter, content: content, bytes: payload.count)
        do {
            try deliverPending()
        } catch {
            if case .simulatedCrash = error { throw error }
            outcome.deliveryError = error
        }
        outcome.outputMessages = deliverOutputs(at: now)
        return outcome
    }

    /// Record a failed run: statistics and the error, marker cleared; results untouched,
    /// so the next successful run diffs against the last good one.
    public func recordFailure(_ entry: ScheduleEntry, failure: QueryFailure, at now: Int64) throws(RecorderError) {
        do {
            try store.database.transaction { () throws(SQLError) in
                try store.recordRun(entry.name, cost: failure.cost, at: now, error: failure.error.description)
                try store.clearExecuting()
            }
        } catch { throw .state(error) }
    }

    /// Write every item queued for the log, oldest first, stopping at the first failure.
    /// Run at start (to finish what a crash interrupted) and after each run.
    @discardableResult
    public func deliverPending() throws(RecorderError) -> Int {
        try prepare()
        guard let log else { return 0 }
        let items = try state { () throws(SQLError) in try store.outbox(after: try store.outputCursor(Self.filesystem)) }
        for item in items { try deliver(item, to: log) }
        return items.count
    }

    private func deliver(_ item: OutboxItem, to log: ResultsLogFile) throws(RecorderError) {
        try io { () throws(SystemError) in try log.reopenIfReplaced() }
        if let at = item.position, log.isRegular, at.inode == log.inode, log.size > at.offset {
            let there = try io { () throws(SystemError) in try log.read(at: at.offset, count: item.payload.count) }
            if there == item.payload {
                // Written before the crash; only the confirmation was missing.
                try delivered(item)
                return
            }
            // A write cut short: remove the partial lines and write them again whole.
            if item.payload.starts(with: there) { try io { () throws(SystemError) in try log.truncate(to: at.offset) } }
        }
        try io { () throws(SystemError) in try log.rotateIfNeeded(adding: item.payload.count) }
        let here = LogPosition(inode: log.inode, offset: log.size)
        if log.isRegular, item.position != here { try state { () throws(SQLError) in try store.setOutboxPosition(item.id, here) } }
        try stop(.beforeWrite)
        try io { () throws(SystemError) in try log.append(item.payload) }
        try stop(.afterWrite)
        try delivered(item)
        try stop(.afterDelivered)
    }

    /// Step 3: the log's cursor passes the item (deleting it once every output has it).
    private func delivered(_ item: OutboxItem) throws(RecorderError) {
        let progress = OutputProgress(through: item.id, records: item.records.count, bytes: item.payload.count)
        try state { () throws(SQLError) in try store.recordOutputProgress(Self.filesystem, progress, at: Self.wallClock()) }
    }

    func state<T>(_ body: () throws(SQLError) -> T) throws(RecorderError) -> T {
        do { return try body() } catch { throw .state(error) }
    }

    private func io<T>(_ body: () throws(SystemError) -> T) throws(RecorderError) -> T {
        do { return try body() } catch { throw .log(error) }
    }
}
