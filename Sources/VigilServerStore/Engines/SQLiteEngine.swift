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
    /// People's reads (`StoreLane.people`), on a reader of their own.
    private let peopleReader: Connection?
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
            // Each write of a group commit is in a savepoint, so SQLite keeps a statement
            // journal of the pages it changes; past 64 KiB that journal went to a new
            // temporary file for every transaction (created, zero-filled by the kernel,
            // deleted), a tenth of the server's CPU at 10,000 agents (perf). In memory it
            // is a copy, and it never outlives its transaction.
            try database.execute("PRAGMA temp_store = MEMORY")
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

    /// `restartFrames`: the WAL's length, in pages, past which the writer restarts it
    /// (`Checkpointer`); `checkpointMilliseconds`: how often the WAL is copied.
    public init(path: String, readers count: Int = 2, restartFrames: Int = 4096, checkpointMilliseconds: Int = 1000) throws {
        let writer = try Connection(path: path, label: "vigil.server.store")
        try writer.database.transaction { () throws(SQLError) in try SQLiteSchema.migrate(writer.database) }
        self.writer = writer
        let restartDue = Flag()
        commits = GroupCommit(executor: writer.executor, transaction: { body in try await writer.use(transaction: true, body) },
                              between: { await Self.restartLog(writer, due: restartDue) })
        // The writer never checkpoints: a checkpoint in a commit (SQLite's default, every
        // 1,000 WAL pages) copies pages into the database and syncs it while every queued
        // request waits. A connection of its own does it beside the writer.
        try writer.database.execute("PRAGMA wal_autocheckpoint = 0")
        // A WAL that grew long (before a restart) is cut back to this when it restarts.
        try writer.database.execute("PRAGMA journal_size_limit = \(restartFrames * 4096 * 2)")
        checkpointer = try Checkpointer(path: path, everyMilliseconds: checkpointMilliseconds) { frames in
            if frames > restartFrames { restartDue.value.store(true, ordering: .relaxed) }
        }
        readers = try (0..<count).map { try Connection(path: path, label: "vigil.server.store.read\($0)") }
        peopleReader = count > 0 ? try Connection(path: path, label: "vigil.server.store.read.people") : nil
    }

    /// The WAL restarts from its beginning only when a write finds every frame copied and
    /// no reader on any of them. Under steady load some reader always is, so it grew
    /// without end (4 GB in three minutes at 10,000 agents), and with it every write's
    /// cost (new file pages) and every read's (longer WAL index). Between two
    /// transactions, the writer copies what is left and waits for the readers on the WAL
    /// to finish (RESTART); the readers that start after it read the database file, so
    /// the next write starts the WAL again. The wait is short: a reader holding on (a
    /// long UI query) makes it give up after 50 ms and try again on the next request.
    private static func restartLog(_ writer: Connection, due: Flag) async {
        guard due.value.exchange(false, ordering: .relaxed) else { return }
        _ = try? await writer.use(transaction: false) { db in
            try await db.run("PRAGMA busy_timeout = 50", [])
            defer { _ = try? writer.database.execute("PRAGMA busy_timeout = 5000") }
            return try await db.rows("PRAGMA wal_checkpoint(RESTART)", [])
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        guard !readers.isEmpty else { return try await writer.use(transaction: false, body) }
        if StoreLane.current == .people, let peopleReader { return try await peopleReader.use(transaction: false, body) }
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

    final class Flag: Sendable { let value = Atomic<Bool>(false) }

    /// Copies the WAL into the database every second (a PASSIVE checkpoint: it waits for
    /// no one and no one waits for it), on a dispatch queue of its own. Once a checkpoint
    /// has copied every frame and no reader still uses them, the writer starts the WAL
    /// from its beginning again, so the file stays small.
    final class Checkpointer: @unchecked Sendable {
        // @unchecked: `database` is used only on `queue`.
        private let database: StateDatabase
        private let queue = DispatchQueue(label: "vigil.server.store.checkpoint")
        private let timer: any DispatchSourceTimer

        /// `logFrames` is told the WAL's length in pages after each copy.
        init(path: String, everyMilliseconds: Int = 1000, logFrames: @escaping @Sendable (Int) -> Void) throws {
            database = try StateDatabase(path: path, durability: .processCrash)
            timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .milliseconds(everyMilliseconds), repeating: .milliseconds(everyMilliseconds))
            timer.setEventHandler { [database] in
                // (busy, frames in the WAL, frames copied)
                if let row = try? database.rows("PRAGMA wal_checkpoint(PASSIVE)").first, row.count == 3, let frames = row[1].integer {
                    logFrames(Int(frames))
                }
            }
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
