import Foundation
import Logging
import VigilServerStore

/// What every handler shares: the store, the held reads, the options, the results log.
/// Immutable, so handlers on any event loop use it without locks.
struct FleetContext: Sendable {
    let store: any ServerStore
    let hub: LiveQueryHub
    /// This server's open live query streams, woken by announced answers.
    let campaigns = CampaignWatch()
    /// Ends every event stream when the server stops.
    let streams = StreamShutdown()
    let options: ServerOptions
    let resultsLog: ResultsLog
    let lastSeen: LastSeen
    let metrics: ServerMetrics
    let logger: Logger
    /// Enrollment attempts per source address.
    let enrollLimiter: EnrollLimiter
    /// The OpenTelemetry export, when `--otlp-endpoint` asks for one.
    let otlp: OTLPExporter?
    /// This server's profiles of itself.
    let serverProfiler: ServerProfiler

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

/// How the server behaves; every field has the default `vigil server` uses.
public struct ServerOptions: Sendable {
    /// A host not seen for this long is offline (3 × Fleet's 10 s distributed interval,
    /// plus slack for a held read that is being renewed).
    public var offlineAfterSeconds: Int64 = 45
    /// How long the server holds a Vigil agent's read open when nothing is to be said.
    public var heldReadSeconds = 25
    /// Connections held open at once; nil: the open-file limit less a reserve for the
    /// server's own files (ConnectionLimit). Past it, connections wait to be accepted.
    public var maxConnections: Int?
    /// How often a live query's stream reads the store when no answer is announced (for
    /// targets that go offline as time passes).
    public var streamRecheckSeconds = 5.0
    /// What `accelerate` tells stock osquery while a live query waits for some host.
    public var accelerateSeconds = 60
    /// Results and status lines older than this are deleted.
    public var retentionDays = 30
    /// Rows one host may send for one live query; past this its answer is cut and marked.
    public var maxRowsPerAnswer = 100_000
    /// How often hosts run each dynamic label's query (Fleet's default: hourly).
    public var labelRefreshSeconds = 3600
    /// Longest a request waits for PostgreSQL before it is answered with an error (503).
    public var databaseTimeoutSeconds = 10
    /// DATA_DIR/results.log is rotated past this size, keeping this many old files
    /// (osqueryd's logger_rotate_size and logger_rotate_max_files defaults).
    public var resultsLogRotateBytes = 25 << 20
    public var resultsLogKeep = 25
    /// Enrollment attempts one source address (an IPv6 /64) may make.
    public var enrollRate = EnrollRate.standard
    /// Outputs every stored result and status line is forwarded to, as agents' outputs send them.
    public var forward: [ForwardTarget] = []
    /// How often the web UI recomputes its fleet-wide sums (costliest queries, percentiles):
    /// pages serve the last and never wait for them.
    public var pageSummarySeconds: Int64 = 60
    /// A `vigil` executable this server runs as `vigil profile --pid SELF` to profile
    /// itself; nil: it cannot (a server inside another program, as in tests).
    public var profilerExecutable: String?
    /// Where results, telemetry and profiles are exported as OTLP logs, metrics and profiles (off when nil).
    public var otlp: OTLPExportConfiguration?

    public init() {}
}
