import Dispatch
import Synchronization
import VigilSQL
import VigilSystem

/// The embedded database: one SQLite file in WAL mode, one writer connection and a few
/// readers beside it (WAL lets them read while it writes, so a node-key lookup on every
/// request never queues behind a write). SQLite calls block, so each connection's work
/// runs on a serial executor of its own, never on an event loop or the cooperative pool.
public final class SQLiteEngine: SQLEngine {
    public var dialect: SQLDialect { .sqlite }
    private let writer: Connection
    private let readers: [Connection]
    private let nextReader = Atomic<Int>(0)
    let commits: GroupCommit
    private let checkpointer: Checkpointer

    /// A connection with the executor its work runs on and a lock that keeps its units of work apart.
    final class Connection: SQLSession, @unchecked Sendable {
        // @unchecked: `database` is only used under `lock`, on `executor`.
        let database: StateDatabase
        let executor: SerialTaskExecutor
        let lock = AsyncLock()

        init(path: String, label: String) throws {
            database = try StateDatabase(path: path, durability: .processCrash)
            executor = SerialTaskExecutor(label: label)
        }

        func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] { try database.rows(sql, arguments) }
        func run(_ sql: String, _ arguments: [SQLValue]) throws -> Int { try database.run(sql, arguments) }

        func use<T: Sendable>(transaction: Bool, _ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
            try await withTaskExecutorPreference(executor) {
                try await lock.withLock {
                    guard transaction else { return try await body(self) }
                    try database.execute("BEGIN IMMEDIATE")
                    do {
                        let value = try await body(self)
                        try database.execute("COMMIT")
                        return value
                    } catch {
                        try? database.execute("ROLLBACK")
                        throw error
                    }
                }
            }
        }
    }

    public init(path: String, readers count: Int = 2) throws {
        let writer = try Connection(path: path, label: "vigil.server.store")
        try writer.database.transaction { () throws(SQLError) in try SQLiteSchema.migrate(writer.database) }
        self.writer = writer
        commits = GroupCommit(executor: writer.executor) { body in try await writer.use(transaction: true, body) }
        // The writer never checkpoints: a checkpoint in a commit (SQLite's default, every
        // 1,000 WAL pages) copies pages into the database and syncs it while every queued
        // request waits. A connection of its own does it beside the writer.
        try writer.database.execute("PRAGMA wal_autocheckpoint = 0")
        checkpointer = try Checkpointer(path: path)
        readers = try (0..<count).map { try Connection(path: path, label: "vigil.server.store.read\($0)") }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await writer.use(transaction: false, body) }
        return try await readers[nextReader.add(1, ordering: .relaxed).oldValue % readers.count].use(transaction: false, body)
    }

    /// In a transaction shared with the writes that queued meanwhile (`GroupCommit`).
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await commits.write(body)
    }

    private let channels = LocalChannels()
    public func notify(_ channel: String, _ payload: String) async throws { channels.notify(channel, payload) }
    public func subscribe(_ channel: String, _ handler: @escaping @Sendable (String) -> Void) { channels.subscribe(channel, handler) }
    public func shutdown() async {
        channels.finish()
        checkpointer.stop()
    }

    /// Copies the WAL into the database every second (a PASSIVE checkpoint: it waits for
    /// no one and no one waits for it), on a dispatch queue of its own. Once a checkpoint
    /// has copied every frame and no reader still uses them, the writer starts the WAL
    /// from its beginning again, so the file stays small.
    final class Checkpointer: @unchecked Sendable {
        // @unchecked: `database` is used only on `queue`.
        private let database: StateDatabase
        private let queue = DispatchQueue(label: "vigil.server.store.checkpoint")
        private let timer: any DispatchSourceTimer

        init(path: String, everyMilliseconds: Int = 1000) throws {
            database = try StateDatabase(path: path, durability: .processCrash)
            timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .milliseconds(everyMilliseconds), repeating: .milliseconds(everyMilliseconds))
            timer.setEventHandler { [database] in _ = try? database.rows("PRAGMA wal_checkpoint(PASSIVE)") }
            timer.resume()
        }

        deinit { timer.cancel() }

        func stop() {
            timer.cancel()
            // A last full copy, so that a stopped server leaves its data in the database file.
            queue.sync { _ = try? database.rows("PRAGMA wal_checkpoint(TRUNCATE)") }
        }
    }
}
