import Synchronization
import VigilSystem
import VigilWire

/// Between the results recorder (on the scheduler's thread, which must not wait) and
/// the fleet service (which posts to the server): the recorder offers what is queued
/// for the `tls` output; the service takes one batch at a time, posts it, and says how
/// far the server took it; the next offer reports that, and the recorder moves the
/// output's cursor. So results go to the server in order, at least once, and whatever
/// the server has not acknowledged stays in the state store across restarts.
public final class FleetLogChannel: Sendable {
    /// One `log` request's worth of records.
    public struct Batch: Sendable {
        public var through: Int64
        public var records: Int
        public var bytes: Int
        public var lines: [JSONValue]
    }

    private struct State {
        var waiting: Batch?
        var inFlight = false
        var finished: OutputProgress?
        /// Monotonic seconds before which no new batch is started (logger_tls_period, backoff).
        var notBefore: Double = 0
    }

    private let state = Mutex(State())
    private let wakeStream: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    let maxLines: Int
    let periodSeconds: Double
    /// Most bytes of records in one request, under the protocol's body limit.
    static let maxBatchBytes = WireCoding.maxBodyBytes / 2

    public init(maxLines: Int, periodSeconds: Double) {
        self.maxLines = maxLines
        self.periodSeconds = periodSeconds
        (wakeStream, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    static func now() -> Double { Double(Clock.monotonicNanoseconds()) / 1e9 }

    /// The recorder's side: the last post's outcome, once, when it has ended.
    func takeFinished() -> OutputProgress? {
        state.withLock { s in
            defer { s.finished = nil }
            return s.finished
        }
    }

    /// Whether a post is under way, or ended without its outcome taken yet.
    var isBusy: Bool { state.withLock { $0.inFlight || $0.finished != nil } }

    /// The recorder's side: start a post of `items`, unless one is under way or waiting
    /// to be taken (the records would be counted twice), or the period has not passed.
    func offer(_ items: [OutboxItem]) -> OutputProgress {
        state.withLock { s -> OutputProgress in
            guard !s.inFlight, s.finished == nil, Self.now() >= s.notBefore, !items.isEmpty else { return OutputProgress() }
            var batch = Batch(through: 0, records: 0, bytes: 0, lines: [])
            var dropped = 0
            for item in items {
                let records = item.records
                if batch.records > 0 && (batch.records + records.count > maxLines || batch.bytes + item.payload.count > Self.maxBatchBytes) { break }
                for record in records {
                    // A line that is not JSON cannot be sent as a log line; it is counted as dropped.
                    if let value = try? WireCoding.decode(JSONValue.self, from: .init(record)) { batch.lines.append(value) } else { dropped += 1 }
                }
                batch.through = item.id
                batch.records += records.count
                batch.bytes += item.payload.count
            }
            batch.records -= dropped
            s.waiting = batch
            s.inFlight = true
            wake.yield()
            return OutputProgress(dropped: dropped)
        }
    }

    /// The service's side: the next batch to post, when there is one.
    func next() async -> Batch? {
        for await _ in wakeStream {
            if let batch = state.withLock({ s -> Batch? in defer { s.waiting = nil }; return s.waiting }) { return batch }
        }
        return nil
    }

    /// The service's side: the server took `batch` (or did not, with `error`).
    func finish(_ batch: Batch, error: String?, retryAfter: Double) {
        state.withLock { s in
            s.inFlight = false
            s.notBefore = Self.now() + (error == nil ? periodSeconds : retryAfter)
            s.finished = error == nil
                ? OutputProgress(through: batch.through, records: batch.records, bytes: batch.bytes)
                : OutputProgress(error: error)
        }
    }

    /// Stop `next` waiting (shutdown).
    func close() { wake.finish() }
}

/// `tls`: results to the fleet server's logger endpoint, through the fleet service.
final class TLSLoggerOutput: RecordOutput {
    let kind = OutputKind.tls
    let channel: FleetLogChannel
    /// A server down for hours keeps this much queued before the oldest is dropped (and counted).
    let maxPendingBytes: Int64

    init(channel: FleetLogChannel, maxPendingBytes: Int64) {
        self.channel = channel
        self.maxPendingBytes = maxPendingBytes
    }

    func send(_ items: [OutboxItem]) -> OutputProgress { channel.offer(items) }
    func takeFinished() -> OutputProgress? { channel.takeFinished() }
    var isBusy: Bool { channel.isBusy }
}
