import Glibc
import Logging
import Synchronization
import VigilSQL
import VigilSystem

/// Serves the admin socket on threads of its own, so nothing a client does (a slow
/// query, a slow reader, a profile) runs on the scheduler's executor. Each client
/// gets a thread that checks it and reads its request within the request window, so
/// silent clients delay nobody; the requests then run one at a time (`work`), as
/// the engine is one SQLite connection. `AdminService` owns it and enforces `deadline` from outside,
/// because a thread inside sqlite3_step cannot interrupt itself.
final class AdminServer: @unchecked Sendable {
    // @unchecked: `listener`, `database` and `session` state are used by the serving
    // thread alone; the atomics and `interrupter` are what other threads touch.
    let listener: UnixSocket
    let database: Database
    /// Where each query is marked while it runs, so that a watchdog breach blames it
    /// (and refuses it afterwards) rather than the scheduled query beside it.
    let store: StateStore?
    let interrupter: Interrupter
    let queryTimeoutNanoseconds: Int64
    let logger: Logger
    /// Set on graceful shutdown: every wait of the serving thread ends within 100 ms
    /// (the accept wait at once, see `stop`).
    let stopping = Atomic<Bool>(false)
    /// When the request now served must end (monotonic ns; 0: no request).
    let deadline = Atomic<Int64>(0)
    /// Set by `AdminService` when it interrupted a query for the deadline.
    let timedOut = Atomic<Bool>(false)
    /// A signal each time a query sets `deadline` (at most one pending), finished when
    /// `serve` ends: `AdminService` sleeps on it while no query runs.
    let queryStarts = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    /// The socket of the client whose query runs now (-1: none), watched for a hang-up
    /// (Ctrl-C in `vigil shell --agent`): a query that returns no rows would otherwise
    /// run on until its deadline for nobody.
    let queryClient = Atomic<Int32>(-1)
    /// Held while a request runs: the database and the deadline are one request's.
    private let work = Mutex<Void>(())
    /// Client threads alive; more than `maxClients` at once are told the agent is busy.
    let clients = Atomic<Int>(0)
    static let maxClients = 16

    init(listener: UnixSocket, database: Database, store: StateStore?, queryTimeoutSeconds: Double, logger: Logger) {
        self.listener = listener
        self.database = database
        self.store = store
        interrupter = Interrupter(database)
        queryTimeoutNanoseconds = Int64(queryTimeoutSeconds * 1e9)
        self.logger = logger
    }

    /// The serving thread's loop, until `stopping`.
    func serve() {
        defer { queryStarts.continuation.finish() }
        while !stopping.load(ordering: .relaxed) {
            let connection: UnixSocket?
            // No timeout: `stop` shuts the listener down, which ends the wait at once.
            do { connection = try listener.accept(milliseconds: -1) } catch {
                if !stopping.load(ordering: .relaxed) { logger.error("admin socket: \(error); no longer serving it") }
                return
            }
            guard let connection else { continue }
            guard clients.add(1, ordering: .relaxed).newValue <= Self.maxClients else {
                clients.subtract(1, ordering: .relaxed)
                AdminSession(server: self, connection: connection).finish(kind: "busy", message: "the agent is serving \(Self.maxClients) clients; try again")
                continue
            }
            do {
                try NamedThread.start("vigil-admin-c") { [self] in
                    defer { clients.subtract(1, ordering: .relaxed) }
                    handle(connection)
                }.detach()
            } catch {
                clients.subtract(1, ordering: .relaxed)
                logger.error("admin socket: \(error); client dropped")
            }
        }
        // Clients notice `stopping` within 100 ms of any wait; a running query was interrupted.
        for _ in 0..<50 where clients.load(ordering: .relaxed) > 0 { usleep(20_000) }
    }

    /// Only root and the agent's own user may ask: the socket runs any read-only SQL
    /// over the host (including files and hashes only root can read) and profiles the
    /// agent, so it is as powerful as the agent. The 0600 mode keeps others from
    /// connecting through the file system; this check holds even if the mode is
    /// loosened or the directory is reached another way.
    static func permitted(uid: UInt32, agentUID: UInt32 = geteuid()) -> Bool { uid == 0 || uid == agentUID }

    func handle(_ connection: UnixSocket) {
        let session = AdminSession(server: self, connection: connection)
        do {
            let peer = try connection.peerCredentials()
            guard Self.permitted(uid: peer.uid) else {
                logger.warning("admin socket: refused uid \(peer.uid) (pid \(peer.pid)): only root and uid \(geteuid()) may use it")
                session.finish(kind: "permission", message: "permission denied: only root and the agent's user (uid \(geteuid())) may use the admin socket; uid \(peer.uid) may not")
                return
            }
        } catch {
            session.finish(kind: "permission", message: "cannot identify the peer: \(error)")
            return
        }
        let line: [UInt8]
        do {
            line = try connection.readLine(limit: AdminProtocol.maxRequestBytes,
                                           deadline: Clock.monotonicNanoseconds() + AdminProtocol.requestSeconds * 1_000_000_000,
                                           stop: { self.stopping.load(ordering: .relaxed) })
        } catch {
            // A client that sent no request gets no answer.
            if case .tooLong = error { session.finish(kind: "request", message: "request longer than \(AdminProtocol.maxRequestBytes) bytes") }
            return
        }
        let request: AdminJSON
        do { request = try AdminJSON.parse(line) } catch {
            session.finish(kind: "request", message: "\(error)")
            return
        }
        work.withLock { _ in
            dispatch(request, session)
            deadline.store(0, ordering: .relaxed)
        }
    }

    /// Run one request; called with `work` held.
    private func dispatch(_ request: AdminJSON, _ session: AdminSession) {
        switch request["op"]?.string {
        case "query":
            guard let sql = request["sql"]?.string else { return session.finish(kind: "request", message: "query needs \"sql\"") }
            session.query(sql)
        case "tables":
            session.tables()
        case "profile":
            let seconds = request["seconds"]?.double ?? 30
            guard seconds > 0 && seconds <= AdminProtocol.maxProfileSeconds else {
                return session.finish(kind: "request", message: "profile seconds must be between 0 and \(Int(AdminProtocol.maxProfileSeconds))")
            }
            let frequency = UInt64(max(1, min(10_000, request["frequency"]?.integer ?? 19)))
            session.profile(seconds: seconds, frequency: frequency)
        case let op:
            session.finish(kind: "request", message: "unknown op \(op.map { "'\($0)'" } ?? "(none)"); expected query, tables or profile")
        }
    }

    /// Called every ~100 ms by the service while a query runs: interrupt it once it has
    /// run past its deadline or its client hung up.
    func enforceDeadline() {
        let client = queryClient.load(ordering: .relaxed)
        if client >= 0, UnixSocket.peerHungUp(client), queryClient.compareExchange(expected: client, desired: -1, ordering: .relaxed).exchanged {
            interrupter.interrupt()
        }
        let d = deadline.load(ordering: .relaxed)
        guard d != 0, Clock.monotonicNanoseconds() > d, !timedOut.load(ordering: .relaxed) else { return }
        timedOut.store(true, ordering: .relaxed)
        interrupter.interrupt()
    }

    /// Graceful shutdown: end waits, stop a running query.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        interrupter.interrupt()
        // Wakes the thread's poll on the listener at once (Linux ends it with POLLHUP),
        // so an idle agent need not poll often to stop promptly.
        shutdown(listener.fd, Int32(SHUT_RDWR))
    }
}
