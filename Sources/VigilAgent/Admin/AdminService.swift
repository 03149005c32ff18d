import Glibc
import Logging
import ServiceLifecycle
import VigilSQL
import VigilSystem

/// Why the admin socket is not served.
public enum AdminServiceError: Error, CustomStringConvertible, Sendable {
    case notASocket(String)
    case inUse(String)
    case system(SystemError)
    case database(SQLError)

    public var description: String {
        switch self {
        case .notASocket(let path): return "\(path) exists and is not a socket; not touching it"
        case .inUse(let path): return "another agent already serves \(path)"
        case .system(let e): return "\(e)"
        case .database(let e): return "cannot open the admin query engine: \(e)"
        }
    }
}

/// The worker's admin socket (DATA_DIR/admin.sock, mode 0600): SQL over the worker's
/// own tables (the OS tables and vigil_schedule, vigil_telemetry… over the scheduler's
/// `AgentStateView`, in a `Database` of its own with the same read-only hardening),
/// and CPU profiles of the worker. Requests are served on a dedicated thread; this
/// task only watches the query deadline and waits for shutdown. See `AdminProtocol`.
public final class AdminService: Service, @unchecked Sendable {
    // @unchecked: immutable after init.
    let path: String
    let statePath: String
    /// The scheduler's tables over its `AgentStateView` (and event stores), built anew
    /// for this service's own connection.
    let makeTables: @Sendable () -> [any VirtualTable]
    let queryTimeoutSeconds: Double
    let logger: Logger

    public init(paths: AgentPaths, scheduler: SchedulerService, logger: Logger) {
        path = AdminProtocol.socketPath(dataDirectory: paths.dataDirectory)
        statePath = paths.statePath
        makeTables = { [view = scheduler.view, events = scheduler.events, config = scheduler.config] in
            SchedulerService.tables(view: view, events: events, config: config)
        }
        queryTimeoutSeconds = Self.queryTimeout(scheduler.config.options)
        self.logger = logger
    }

    /// `admin_query_timeout` (seconds), else 30 s; kept under the watchdog's latency
    /// limit when it is on, so the watchdog never kills the worker for an admin query
    /// (and denylists the scheduled query that happened to be marked).
    static func queryTimeout(_ options: AgentOptions) -> Double {
        if let text = options.raw["admin_query_timeout"], let seconds = Double(text), seconds > 0 { return seconds }
        let limits = options.watchdog.limits
        return limits.enabled ? max(1, min(30, Double(limits.latencySeconds) - 2)) : 30
    }

    public func run() async throws {
        let server: AdminServer
        do { server = try start() } catch {
            logger.error("admin socket \(path) not served, the agent goes on without it: \(error)")
            throw error
        }
        let listenerInode = Self.inode(path)
        // Named so `vigil debug profile` and top show which thread is the admin's.
        let thread: NamedThread
        do { thread = try NamedThread.start("vigil-admin") { server.serve() } } catch {
            unlink(path)
            logger.error("admin socket \(path) not served: \(error)")
            throw AdminServiceError.system(error)
        }
        logger.info("admin socket: \(path)")
        await withGracefulShutdownHandler {
            // Asleep while no query runs (no timer); while one does, its deadline is
            // checked every 100 ms. Ends when the serving thread does.
            for await _ in server.queryStarts.stream.cancelOnGracefulShutdown() {
                while server.deadline.load(ordering: .relaxed) != 0 && !Task.isCancelled && !Task.isShuttingDownGracefully {
                    server.enforceDeadline()
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(100)) }
                }
            }
        } onGracefulShutdown: {
            server.stop()
        }
        server.stop()
        // The thread notices `stopping` within ~100 ms of any wait; joining is brief.
        thread.join()
        // Remove the socket only if it is still ours (not a successor's).
        if let inode = listenerInode, Self.inode(path) == inode { unlink(path) }
        logger.info("admin socket closed")
    }

    /// Clear a stale socket, bind, and open the query engine.
    func start() throws(AdminServiceError) -> AdminServer {
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else { throw .notASocket(path) }
            // A socket someone answers on belongs to a live agent; one nobody answers is
            // what a killed worker left behind.
            if (try? UnixSocket.connect(to: path)) != nil { throw .inUse(path) }
            if unlink(path) != 0 { throw .system(SystemError("unlink", path: path)) }
        }
        let listener: UnixSocket
        do { listener = try UnixSocket.listen(at: path, mode: 0o600) } catch { throw .system(error) }
        let database: Database
        do { database = try Database(tables: makeTables(), logger: logger) } catch {
            unlink(path)
            throw .database(error)
        }
        // Its own connection: the admin thread marks its queries beside the scheduler's.
        let store: StateStore?
        do { store = try StateStore(path: statePath, durability: .processCrash) } catch {
            logger.error("admin queries run unmarked (a breach would blame the schedule): \(error)")
            store = nil
        }
        return AdminServer(listener: listener, database: database, store: store, queryTimeoutSeconds: queryTimeoutSeconds, logger: logger)
    }

    static func inode(_ path: String) -> ino_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_ino : nil
    }
}
