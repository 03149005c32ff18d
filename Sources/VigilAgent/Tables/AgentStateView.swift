import Synchronization
import VigilSQL
import VigilSystem

/// What the agent's tables read: the state store (through a connection of their
/// own, so a scan never interleaves with the scheduler's writes) and the schedule
/// in force. Shared by the tables of one worker.
public final class AgentStateView: Sendable {
    private struct State: @unchecked Sendable {
        // @unchecked: the store is used only while the mutex is held.
        var store: StateStore?
        var schedule: Schedule
        var startTime: Int64
        /// SHA-1 of the config text in force (osquery_info.config_hash).
        var configHash = ""
        /// Why the worker cannot write its state now (a full disk), if it cannot: the
        /// store itself cannot hold that error.
        var stateError: String?
        /// Packs whose discovery queries returned nothing (or have not run yet).
        var packsOff: Set<String> = []
        /// How often each pack's discovery ran and was answered from its last result.
        var discoveryCounts: [String: PackDiscovery.Counts] = [:]
        /// The options in force and the command line (osquery_flags).
        var flags = AgentFlags.Settings()
    }
    private let state: Mutex<State>
    public let statePath: String

    public init(statePath: String, schedule: Schedule, startTime: Int64) {
        self.statePath = statePath
        state = Mutex(State(store: nil, schedule: schedule, startTime: startTime))
    }

    /// After a config reload.
    public func update(schedule: Schedule) { state.withLock { $0.schedule = schedule } }

    public var schedule: Schedule { state.withLock { $0.schedule } }

    /// Pack discovery changed: these packs are off.
    public func update(packsOff: Set<String>) { state.withLock { $0.packsOff = packsOff } }

    public var packsOff: Set<String> { state.withLock { $0.packsOff } }

    /// Pack discovery ran, or its result was used: the packs that are off and the counts.
    public func update(discovery: PackDiscovery) {
        state.withLock {
            $0.packsOff = discovery.packsOff
            $0.discoveryCounts = discovery.counts
        }
    }

    public var discoveryCounts: [String: PackDiscovery.Counts] { state.withLock { $0.discoveryCounts } }

    /// The config in force changed (start, reload): its options and where it came from.
    public func update(flags: AgentFlags.Settings) { state.withLock { $0.flags = flags } }

    public var flags: AgentFlags.Settings { state.withLock { $0.flags } }

    /// The config in force changed (start, reload): remember its hash.
    public func update(configText: String) {
        let context = DigestContext(.sha1)
        context.update(Array(configText.utf8))
        let hash = Digest.hex(context.finish())
        state.withLock { $0.configHash = hash }
    }

    public var configHash: String { state.withLock { $0.configHash } }

    /// The worker could not write its state (nil: it can again).
    public func note(stateError: String?) { state.withLock { $0.stateError = stateError } }

    public var stateError: String? { state.withLock { $0.stateError } }
    public var startTime: Int64 { state.withLock { $0.startTime } }

    /// Run `body` with the state store, opening it on first use.
    public func read<T>(_ body: (StateStore) throws(SQLError) -> T) throws(SQLError) -> T {
        try state.withLock { (s: inout State) throws(SQLError) -> T in
            if s.store == nil { s.store = try StateStore(path: statePath, durability: .processCrash) }
            return try body(s.store!)
        }
    }
}
