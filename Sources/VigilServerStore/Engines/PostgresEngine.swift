import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization
import VigilSQL
import VigilSystem

/// A PostgreSQL database through postgres-nio's connection pool: for fleets that outgrow
/// one machine, and for several servers sharing one fleet (they keep nothing of their own).
/// The pool's run loop lives as long as the engine; `shutdown` ends it.
public final class PostgresEngine: SQLEngine {
    public var dialect: SQLDialect { .postgres }
    let client: PostgresClient
    /// People's calls (`StoreLane.people`: the REST API, the web UI) on connections of
    /// their own: in the agents' pool they waited behind thousands of agents' calls for a
    /// connection (submitting a live query to 2,000 busy agents took 2.7–8.8 s).
    let peopleClient: PostgresClient
    private let runners: [Task<Void, Never>]
    private let logger: Logger
    /// Longest a store call waits (for a connection and its statements).
    let timeout: Duration
    private let listeners = Mutex<[Task<Void, Never>]>([])
    static let executor = SerialTaskExecutor(label: "vigil.server.postgres")
    /// Where calls run when the caller is not a request on its event loop, in turn: serial
    /// queues of their own rather than the caller's executor (a call past its limit is left
    /// to end there while the caller goes on, which could be an executor that must not
    /// fill up) or Swift's cooperative pool (which blocking work elsewhere can hold).
    private static let workers = (0..<4).map { SerialTaskExecutor(label: "vigil.server.postgres.\($0)") }
    private let turn = Atomic<Int>(0)

    /// Connect (one connection first, so that a wrong address, user or password is said
    /// at once and plainly), start the pool and bring the schema up to date.
    public init(url: PostgresURL, timeout: Duration = .seconds(10), logger: Logger) async throws {
        self.logger = logger
        self.timeout = timeout
        do {
            let probe = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 0, logger: logger)
            try? await probe.close()
        } catch {
            throw StoreError("cannot connect to PostgreSQL at \(url): \(Self.describe(error))")
        }
        var configuration = try url.clientConfiguration()
        configuration.options.maximumConnections = 16
        // All of them open for as long as the engine lives, and idle ones not pinged: the
        // pool otherwise arms an idle timer and a keep-alive timer (each a task of its own
        // and a dispatch timer) every time a connection goes back to it, that is after
        // every statement, and cancels them at the next lease: a third of the server's CPU
        // on PostgreSQL (BENCHMARKS.md). A connection that died while idle fails its next call, which
        // answers an error the agent retries, and the pool opens another.
        configuration.options.minimumConnections = 16
        configuration.options.keepAliveBehavior = nil
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        configuration.options.maximumConnections = 2
        configuration.options.minimumConnections = 2
        let peopleClient = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.peopleClient = peopleClient
        // The pools' run loops (they open the connections) on an executor of their own: on
        // Swift's cooperative pool they would wait behind whatever blocks those threads, and
        // every lease with them.
        runners = [client, peopleClient].map { pool in Task(executorPreference: Self.executor) { await pool.run() } }
        do {
            // Start-up is not a request that must fail fast: the schema's steps (DDL, under
            // a lock other servers may hold) get a minute however short the calls' bound.
            try await bounded(max(timeout, .seconds(60))) { [client, logger] in
                try await client.withConnection { connection in
                    try await connection.withTransaction(logger: logger) { try await PostgresSchema.migrate(PostgresSession(connection: $0, logger: logger)) }
                }
            }
        } catch {
            for runner in runners { runner.cancel() }
            throw StoreError("cannot prepare the schema in PostgreSQL at \(url): \(Self.describe(error))")
        }
    }

    /// The pool for the calling lane.
    private var pool: PostgresClient { StoreLane.current == .people ? peopleClient : client }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await bounded { [pool, logger] in
            try await pool.withConnection { connection in try await body(PostgresSession(connection: connection, logger: logger)) }
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await bounded { [pool, logger] in
            try await pool.withConnection { connection in
                try await connection.withTransaction(logger: logger) { try await body(PostgresSession(connection: $0, logger: logger)) }
            }
        }
    }

    public func writeStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await bounded { [pool, logger] in
            try await pool.withConnection { connection in try await body(PostgresSession(connection: connection, logger: logger)) }
        }
    }

    /// `body` within the engine's timeout: while PostgreSQL is down the pool waits for a
    /// connection, and a request must get an error (the agent retries), not hang with it.
    private func bounded<T: Sendable>(_ limit: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = limit ?? self.timeout
        return try await Self.translating {
            // A request on its connection's loop waits there: postgres-nio's connections live
            // on the same loops and never block one, and a call left past its limit only
            // waits. Each queue crossed was two thread wake-ups a statement (futex waits and
            // the scheduler held 15% of the server's samples on PostgreSQL).
            let executor: any TaskExecutor = EventLoopTaskExecutor.onServingLoop
                ?? Self.workers[turn.wrappingAdd(1, ordering: .relaxed).oldValue & 3]
            return try await Deadline.run(within: timeout, on: executor, timedOut: { StoreError("PostgreSQL did not answer within \(timeout)") }, body)
        }
    }

    public func notify(_ channel: String, _ payload: String) async throws {
        try await read { db in _ = try await db.rows("SELECT pg_notify(?, ?)", [.text(channel), .text(payload)]) }
    }

    /// One connection LISTENs for as long as the engine lives; when it is lost, another
    /// takes its place a second later.
    public func subscribe(_ channel: String, _ handler: @escaping @Sendable (String) -> Void) {
        let listener = Task(executorPreference: Self.executor) { [client, logger] in
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        for try await notification in try await connection.listen(channel) { handler(notification.payload) }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("PostgreSQL LISTEN \(channel) lost; listening again in 1 s", metadata: ["error": "\(Self.describe(error))"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        listeners.withLock { $0.append(listener) }
    }

    public func shutdown() async {
        for listener in listeners.withLock({ $0 }) {
            listener.cancel()
            await listener.value
        }
        for runner in runners { runner.cancel() }
        for runner in runners { await runner.value }
    }

    /// postgres-nio's errors say little in their description (so as not to leak data);
    /// the server's message and SQLSTATE are what an operator needs.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo {
            return [info[.message], info[.detail], info[.sqlState].map { "SQLSTATE \($0)" }].compactMap { $0 }.joined(separator: "; ")
        }
        return e.underlying.map { "\(e.code): \($0)" } ?? "\(e.code)"
    }

    private static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as PSQLError { throw StoreError("PostgreSQL: \(describe(error))") }
    }
}

/// One leased connection: `?` parameters become `$1…$n`, and values go both ways as SQLValue.
struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger

    func rows(_ sql: String, _ arguments: [SQLValue]) async throws -> [[SQLValue]] {
        try await execute(sql, arguments).rows.map { row in try row.map(Self.value) }
    }

    func run(_ sql: String, _ arguments: [SQLValue]) async throws -> Int {
        try await execute(sql, arguments).metadata.rows ?? 0
    }

    private func execute(_ sql: String, _ arguments: [SQLValue]) async throws -> PostgresQueryResult {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: binds.appendNull()
            case .integer(let v): binds.append(v)
            case .double(let v): binds.append(v)
            case .text(let v): binds.append(v)
            case .blob(let v): binds.append(ByteBuffer(bytes: v))
            }
        }
        let future: EventLoopFuture<PostgresQueryResult> = connection.query(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: binds), logger: logger)
        return try await future.get()
    }

    /// `?` → `$1`, `$2`, … outside quoted literals and identifiers.
    static func numbered(_ sql: String) -> String {
        var out = "", n = 0, quote: Character?
        out.reserveCapacity(sql.utf8.count + 16)
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        case .numeric: return .double(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
        default: return .text(try cell.decode(String.self))
        }
    }
}
