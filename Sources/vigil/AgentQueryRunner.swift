import Synchronization
import VigilAgent
import VigilConsole
import VigilSQL
import VigilSystem

/// `--agent`: statements go to the running agent's admin socket and come back as
/// rows, printed by VigilConsole's writers exactly as local results are.
final class AgentQueryRunner: StatementRunner {
    let client: AdminClient
    var format: OutputFormat
    var timer = false
    let out = Output(fd: 1)
    let err = Output(fd: 2)
    /// Set when the agent is unreachable or refuses us (not an SQL error): exit 2.
    private(set) var unreachable = false
    /// Set by `interrupt()` (Ctrl-C): stop waiting and hang up, which stops the query in the agent.
    private let interruptRequested = Atomic<Bool>(false)

    init(client: AdminClient, format: OutputFormat) {
        self.client = client
        self.format = format
    }

    func run(_ sql: String) -> Bool {
        // One document for all the statements of this text, as a local query prints.
        let session = ResultSession(format: format, out: out)
        defer {
            session.finish()
            out.flush()
            interruptRequested.store(false, ordering: .relaxed)
        }
        var writer: (any ResultWriter)?
        var plan: [[SQLValue]]?
        do {
            try client.send(AdminClient.queryRequest(sql), stop: { interruptRequested.load(ordering: .relaxed) }) { (line: AdminJSON) throws(AdminClientError) in
                if let row = line["row"]?.array {
                    let values = row.map(AdminProtocol.decode)
                    if plan != nil { plan!.append(values) } else { writer?.write(values) }
                } else if let columns = line["columns"]?.array {
                    if line["plan"] == .bool(true) {
                        plan = []
                    } else {
                        writer = session.writer(columns: columns.compactMap(\.string))
                    }
                } else if let done = line["done"] {
                    writer?.finish()
                    writer = nil
                    if let rows = plan { QueryRunner.printQueryPlan(rows, to: out) }
                    plan = nil
                    if timer {
                        func s(_ key: String) -> Double { Double(done[key]?.integer ?? 0) / 1e9 }
                        out.line(QueryRunner.runTime(wall: s("wall_ns"), user: s("user_ns"), system: s("system_ns")))
                    }
                }
            }
            out.flush()
            return true
        } catch {
            // Rows already printed stay printed, as with a local query.
            writer?.finish()
            out.flush()
            if case .interrupted = error {
                err.line(QueryRunner.interruptedMessage)
                err.flush()
            } else if let sqlError = error.sqlError {
                QueryRunner.report(sqlError, sql: sql, to: err)
            } else {
                if case .agent = error {} else { unreachable = true }
                err.line("Error: \(error)")
                err.flush()
            }
            return false
        }
    }

    func interrupt() { interruptRequested.store(true, ordering: .relaxed) }

    func tableSchemas() -> [String: String] {
        do { return try client.tableSchemas() } catch {
            err.line("Error: \(error)")
            err.flush()
            return [:]
        }
    }
}
