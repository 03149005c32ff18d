/// A CPU profile an operator asked an agent for, and what came back.
public struct ProfileRecord: Sendable, Equatable {
    public enum State: String, Sendable, Codable { case requested, sent, done, failed }
    public var id: Int64
    /// The host profiled; 0 for a profile of a server (`server` names it).
    public var hostID: Int64
    /// The server that profiled itself (Velociraptor's Server.Monitor.Profile); nil for a host's.
    public var server: String? = nil
    public var seconds: Int
    public var frequency: Int
    public var state: State
    public var requestedAt: Int64
    public var doneAt: Int64?
    public var samples: Int?
    public var report: String?
    public var error: String?
    /// The gzip pprof; loaded only when asked for.
    public var pprof: [UInt8]?
}
