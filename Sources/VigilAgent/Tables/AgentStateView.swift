import Synchronization
import VigilSQL

/// What the agent's tables read: the state store (through a connection of their
/// own, so a scan never interleaves with the scheduler's writes) and the schedule
/// in force. Shared by the tables of one worker.
public final class AgentStateView: Sendable {
    private struct State: @unchecked Sendable {
        // @unchecked: the store is used only while the mutex is held.
        var store: StateStore?
        var schedule: Schedule
        var startTime: Int64
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
    public var startTime: Int64 { state.withLock { $0.startTime } }

    /// Run `body` with the state store, opening it on first use.
    public func read<T>(_ body: (StateStore) throws(SQLError) -> T) throws(SQLError) -> T {
        try state.withLock { (s: inout State) throws(SQLError) -> T in
            if s.store == nil { s.store = try StateStore(path: statePath, durability: .processCrash) }
            return try body(s.store!)
        }
    }
}
