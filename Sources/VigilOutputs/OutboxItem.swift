/// Results of one run (an agent's query, or lines a fleet server forwards) not yet taken by every output.
public struct OutboxItem: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var epoch: Int64
    public var counter: Int64
    /// The exact bytes the results log gets: osquery's JSON lines, one record per line.
    public var payload: [UInt8]
    /// Where in the log (inode, byte offset) the write was or is about to be attempted;
    /// nil when no write has been attempted.
    public var position: LogPosition?

    public init(id: Int64, name: String, epoch: Int64, counter: Int64, payload: [UInt8], position: LogPosition?) {
        self.id = id
        self.name = name
        self.epoch = epoch
        self.counter = counter
        self.payload = payload
        self.position = position
    }
}

/// A place in the results log: the file (by inode) and a byte offset in it.
public struct LogPosition: Sendable, Equatable {
    public var inode: Int64
    public var offset: Int64

    public init(inode: Int64, offset: Int64) {
        self.inode = inode
        self.offset = offset
    }
}

/// Shared defaults of the outputs.
public enum OutputDefaults {
    /// Most bytes kept queued for one output that cannot take them (osquery's buffered
    /// loggers cap theirs similarly); past this the oldest records are dropped and counted.
    public static let maxPendingBytes: Int64 = 8 << 20
}
