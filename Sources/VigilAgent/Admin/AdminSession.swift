import Glibc
import VigilProfile
import VigilSQL
import VigilSystem

/// One request on the admin socket: runs it and writes the response lines.
/// Output is buffered and sent in chunks; a client that stops reading is dropped
/// after `AdminProtocol.idleSendSeconds`, and a client that hangs up stops the work.
final class AdminSession {
    let server: AdminServer
    let connection: UnixSocket
    private var buffer: [UInt8] = []
    /// The client is gone or too slow; nothing more is sent.
    private var broken = false

    init(server: AdminServer, connection: UnixSocket) {
        self.server = server
        self.connection = connection
    }

    // MARK: Output

    func emit(_ line: String) {
        buffer += line.utf8
        if buffer.count >= 64 * 1024 { flush() }
    }

    func flush() {
        guard !broken, !buffer.isEmpty else { buffer = []; return }
        do {
            try connection.send(buffer, idle: AdminProtocol.idleSendSeconds * 1_000_000_000, stop: { [server] in server.stopping.load(ordering: .relaxed) })
        } catch {
            broken = true
        }
        buffer = []
    }

    /// The status line ends every response.
    func finish(kind: String? = nil, message: String? = nil, offset: Int? = nil) {
        emit(AdminProtocol.status(ok: kind == nil, kind: kind, message: message, offset: offset))
        flush()
    }

    // MARK: Query

    func query(_ sql: String) {
        let name = StateStore.adHocName(sql)
        let now = Clock.realtimeNanoseconds() / 1_000_000_000
        if let denied = try? server.store?.denylistEntry(name, at: now) {
            return finish(kind: "denylisted", message: "refused: this query got the worker stopped (\(denied.measured)); "
                          + "it is refused until \(denied.until) (unix time)")
        }
        do { try server.store?.markAdHoc(name, at: now, pid: getpid()) } catch {
            server.logger.error("admin query runs unmarked: \(error)")
        }
        defer { try? server.store?.clearAdHoc() }
        server.timedOut.store(false, ordering: .relaxed)
        server.deadline.store(Clock.monotonicNanoseconds() + server.queryTimeoutNanoseconds, ordering: .relaxed)
        server.queryClient.store(connection.fd, ordering: .relaxed)
        defer { server.queryClient.store(-1, ordering: .relaxed) }
        server.queryStarts.continuation.yield()
        do {
            try server.database.forEachStatement(sql) { statement in
                let started = Clock.monotonicNanoseconds()
                let cpu = ThreadCPUTime.now()
                emit("{\"columns\":[" + statement.columnNames.map(JSON.string).joined(separator: ",") + "],\"plan\":\(statement.isQueryPlan)}\n")
                while try statement.step() {
                    emit("{\"row\":[" + statement.row().map(AdminProtocol.encode).joined(separator: ",") + "]}\n")
                    // A client that left or stalls: stop stepping, sqlite frees the statement.
                    if broken { throw SQLError(code: 9, message: "the client went away") }
                }
                let (user, system) = ThreadCPUTime.now().since(cpu)
                emit("{\"done\":{\"wall_ns\":\(Clock.monotonicNanoseconds() - started),\"user_ns\":\(user),\"system_ns\":\(system)}}\n")
            }
            finish()
        } catch let error as SQLError {
            if server.timedOut.load(ordering: .relaxed) {
                finish(kind: "timeout", message: "the query ran longer than \(server.queryTimeoutNanoseconds / 1_000_000_000) s and was interrupted")
            } else if server.stopping.load(ordering: .relaxed) {
                finish(kind: "stopping", message: "the agent is stopping; the query was interrupted")
            } else {
                finish(kind: "sql", message: error.message, offset: error.offset)
            }
        } catch {
            finish(kind: "sql", message: "\(error)")
        }
    }

    /// Every table with its CREATE statement, for the shell's .tables and .schema.
    func tables() {
        for (name, table) in server.database.tables.sorted(by: { $0.key < $1.key }) {
            emit("{\"table\":\(JSON.string(name)),\"schema\":\(JSON.string(table.schema.createStatement))}\n")
        }
        finish()
    }

    // MARK: Profile

    /// Sample this worker (no children) for `seconds`, then send the pprof and the
    /// memory and threads report. The continuous profiler is stepped here rather than
    /// `ProfileSession` run, because the session installs SIGINT/SIGTERM handlers and
    /// resets them to the default afterwards, which would take the worker's SIGTERM
    /// from the service group (no graceful shutdown) or let it kill the process.
    func profile(seconds: Double, frequency: UInt64) {
        let profile: SelfProfile?
        do {
            profile = try SelfProfile.capture(seconds: seconds, frequency: frequency) {
                server.stopping.load(ordering: .relaxed) || connection.peerHungUp
            }
        } catch {
            return finish(kind: "profile", message: error.description)
        }
        guard let profile else {
            if server.stopping.load(ordering: .relaxed) { finish(kind: "stopping", message: "the agent is stopping; the profile was abandoned") }
            return
        }
        emit("{\"pprof\":\"" + Base64.encode(profile.pprof) + "\"}\n")
        emit("{\"report\":\(JSON.string(profile.report))}\n")
        emit("{\"samples\":\(profile.samples),\"seconds\":\(profile.seconds)}\n")
        finish()
    }
}
