import VigilSystem

/// The outputs `logger_plugin` can name (osquery's plugin names).
public enum OutputKind: String, CaseIterable, Sendable {
    /// The results log file (`logger_path`), written exactly once by `ResultsRecorder`.
    case filesystem
    /// One datagram per record to the local syslog socket (`logger_syslog_path`).
    case syslog
    /// JSON lines on standard output.
    case stdout
    /// JSON lines over TCP (`logger_tcp_endpoint`).
    case tcp
    /// The fleet server's logger endpoint (`tls_hostname`, `logger_tls_endpoint`).
    case tls

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A destination for result records besides the results log. The recorder calls `send`
/// on the scheduler's thread with what is queued for this output; an output must never
/// wait there for long (non-blocking sockets, polls with zero or short timeouts), and
/// says how far it got so that the recorder can move its cursor. What it has not taken
/// is offered again next time, so it gets every record at least once, in order.
public protocol RecordOutput: AnyObject {
    var kind: OutputKind { get }
    /// Most bytes kept queued for this output while it cannot take them; past this the
    /// oldest records are dropped (and counted), so that a destination that is down does
    /// not make the outbox grow without bound.
    var maxPendingBytes: Int64 { get }
    /// Hand over `items` (oldest first, all after this output's cursor) as far as the
    /// destination takes them now.
    func send(_ items: [OutboxItem]) -> OutputProgress
    /// An output that delivers on another thread (tls): the outcome of its last hand-over
    /// if that ended since the last call, taken once.
    func takeFinished() -> OutputProgress?
    /// Whether a hand-over is under way. Its records are neither dropped for the cap nor
    /// offered again until it ends: they may be delivered, and must not be counted twice.
    var isBusy: Bool { get }
}

extension RecordOutput {
    public func takeFinished() -> OutputProgress? { nil }
    public var isBusy: Bool { false }
}

/// What one delivery attempt did for an output, written in one statement.
public struct OutputProgress: Sendable, Equatable {
    /// The last outbox id the output has wholly taken in this attempt.
    public var through: Int64?
    public var records = 0
    public var bytes = 0
    /// Records given up on (too large for the destination, or over the pending cap).
    public var dropped = 0
    /// Why delivery stopped or records were dropped; nil when all went.
    public var error: String?

    public init(through: Int64? = nil, records: Int = 0, bytes: Int = 0, dropped: Int = 0, error: String? = nil) {
        self.through = through
        self.records = records
        self.bytes = bytes
        self.dropped = dropped
        self.error = error
    }

    public var isEmpty: Bool { through == nil && records == 0 && dropped == 0 && error == nil }
}

/// Why an output could not deliver, in words for `vigil_outputs.last_error` and the log.
public struct OutputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
    init(_ error: SystemError) { description = error.description }
}

extension OutboxItem {
    /// The records of this item: its payload's lines, without their newlines.
    public var records: [ArraySlice<UInt8>] {
        payload.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
    }
}

/// Reconnect delays (not the watchdog's restart `Backoff`, which also tracks crash loops): doubling from `initial` up to `maximum` seconds, reset on success.
public struct ReconnectDelay: Sendable {
    public let initial: Double
    public let maximum: Double
    public private(set) var current: Double

    public init(initial: Double = 1, maximum: Double = 60) {
        self.initial = initial
        self.maximum = maximum
        current = initial
    }

    /// The delay before the next attempt; each failure doubles the one after.
    public mutating func next() -> Double {
        defer { current = min(maximum, current * 2) }
        return current
    }

    public mutating func reset() { current = initial }
}
