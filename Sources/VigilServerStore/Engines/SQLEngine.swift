import Synchronization
import VigilSQL

/// One connection, for the length of one unit of work (a read, or a write's transaction).
/// Statements use `?` parameters and SQL that SQLite and PostgreSQL both accept
/// (`ON CONFLICT`, `RETURNING`, no `INSERT OR …`, times bound from Swift, never `strftime`),
/// so the store's logic is written once for both.
public protocol SQLSession: Sendable {
    /// Every row of one statement with `arguments` bound, values in column order.
    func rows(_ sql: String, _ arguments: [SQLValue]) async throws -> [[SQLValue]]
    /// Run one statement; the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLValue]) async throws -> Int
}

extension SQLSession {
    func rows(_ sql: String) async throws -> [[SQLValue]] { try await rows(sql, []) }
}

/// Which database a store talks to, where the schema has to differ.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// A database the server store runs on: reads on any connection, writes each in one
/// transaction (all of it is stored, or none of it).
public protocol SQLEngine: Sendable {
    var dialect: SQLDialect { get }
    @discardableResult
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T
    /// A write of one statement, which is atomic by itself: on PostgreSQL it needs no
    /// BEGIN and COMMIT around it (one round trip, not three).
    @discardableResult
    func writeStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T
    /// Send `payload` to everyone listening on `channel`, in every process using this
    /// database (PostgreSQL's NOTIFY; in-process for the embedded database, which one server owns).
    func notify(_ channel: String, _ payload: String) async throws
    /// Call `handler` with what is sent on `channel` from now on, until shutdown. A
    /// callback, not a stream: nothing waits between the database and the listener.
    func subscribe(_ channel: String, _ handler: @escaping @Sendable (String) -> Void)
    /// Close the connections; the store is not used afterwards.
    func shutdown() async
}

extension SQLEngine {
    public func writeStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await write(body)
    }
}

/// In-process notifications, for the embedded engine.
final class LocalChannels: Sendable {
    private let listeners = Mutex<[String: [@Sendable (String) -> Void]]>([:])

    func notify(_ channel: String, _ payload: String) {
        for handler in listeners.withLock({ $0[channel] ?? [] }) { handler(payload) }
    }

    func subscribe(_ channel: String, _ handler: @escaping @Sendable (String) -> Void) {
        listeners.withLock { $0[channel, default: []].append(handler) }
    }

    func finish() { listeners.withLock { $0 = [:] } }
}
