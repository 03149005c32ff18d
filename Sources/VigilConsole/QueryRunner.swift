import Glibc
import Synchronization
import VigilSQL
import VigilSystem

/// What the shell runs statements with: the local engine (`QueryRunner`) or a
/// running agent (`vigil shell --agent`).
public protocol StatementRunner: AnyObject {
    var format: OutputFormat { get set }
    var timer: Bool { get set }
    var out: Output { get }
    /// Run `sql` and print its results; false if it failed (the error is printed).
    func run(_ sql: String) -> Bool
    /// Table name → CREATE statement, for .tables and .schema.
    func tableSchemas() -> [String: String]
    /// Stop the statement `run` is running (Ctrl-C in the shell); `run` then says it
    /// was interrupted and returns false. Called from another thread.
    func interrupt()
}

/// Runs SQL text (one or more statements) and prints each result. Used by
/// `vigil query` and by the shell.
public final class QueryRunner: StatementRunner {
    public let database: Database
    public var format: OutputFormat
    public var timer = false
    public let out: Output
    let err: Output
    /// Set by `interrupt()`; cleared when `run` ends, so a late Ctrl-C is not blamed on the next statement.
    private let interruptRequested = Atomic<Bool>(false)

    public init(database: Database, format: OutputFormat = .table, out: Output = Output(fd: 1), err: Output = Output(fd: 2)) {
        self.database = database
        self.format = format
        self.out = out
        self.err = err
    }

    /// Run `sql`; on error print it (with a caret under the position) and return false.
    /// Rows already printed stay printed.
    @discardableResult
    public func run(_ sql: String) -> Bool {
        let session = ResultSession(format: format, out: out)
        defer { interruptRequested.store(false, ordering: .relaxed) }
        do {
            defer { session.finish() }
            try database.forEachStatement(sql) { statement in
                let started = Self.now()
                let cpuStarted = Self.cpuTime()
                if statement.isQueryPlan {
                    try printQueryPlan(statement)
                } else {
                    let writer = session.writer(columns: statement.columnNames)
                    while try statement.step() { writer.write(statement.row()) }
                    writer.finish()
                }
                if timer {
                    let cpu = Self.cpuTime()
                    out.line(Self.runTime(wall: Self.now() - started, user: cpu.user - cpuStarted.user, system: cpu.system - cpuStarted.system))
                }
            }
            out.flush()
            return true
        } catch let error as SQLError {
            out.flush()
            if error.isInterrupt && interruptRequested.load(ordering: .relaxed) {
                err.line(Self.interruptedMessage)
                err.flush()
            } else {
                report(error, sql: sql)
            }
            return false
        } catch {
            out.flush()
            err.line("Error: \(error)")
            err.flush()
            return false
        }
    }

    public func tableSchemas() -> [String: String] { database.tables.mapValues(\.schema.createStatement) }

    /// What the shell says when Ctrl-C stopped a statement.
    public static let interruptedMessage = "Interrupted: Ctrl-C stopped the statement."

    /// sqlite3_interrupt on the connection: the statement stops at its next step.
    public func interrupt() {
        interruptRequested.store(true, ordering: .relaxed)
        database.interrupt()
    }

    func report(_ error: SQLError, sql: String) { Self.report(error, sql: sql, to: err) }

    /// "Error: MESSAGE" and, for a syntax error, the SQL with a caret under the position.
    public static func report(_ error: SQLError, sql: String, to err: Output) {
        err.line("Error: \(error.message)")
        if let pointer = error.pointer(in: sql) { err.line(pointer) }
        err.flush()
    }

    /// The `.timer on` line, as sqlite3 prints it.
    public static func runTime(wall: Double, user: Double, system: Double) -> String {
        "Run Time: real \(seconds(wall)) user \(seconds(user)) sys \(seconds(system))"
    }

    /// EXPLAIN QUERY PLAN rows (id, parent, notused, detail) as a tree, as sqlite3 and osqueryi show it.
    func printQueryPlan(_ statement: Statement) throws {
        var rows: [[SQLValue]] = []
        while try statement.step() { rows.append(statement.row()) }
        Self.printQueryPlan(rows, to: out)
    }

    public static func printQueryPlan(_ rows: [[SQLValue]], to out: Output) {
        let nodes = rows.filter { $0.count >= 4 }.map { r in (id: r[0].integer ?? 0, parent: r[1].integer ?? 0, detail: r[3].text ?? "") }
        out.line("QUERY PLAN")
        func render(_ parent: Int64, _ prefix: String) {
            let children = nodes.filter { $0.parent == parent }
            for (i, node) in children.enumerated() {
                let last = i == children.count - 1
                out.line(prefix + (last ? "`--" : "|--") + node.detail)
                render(node.id, prefix + (last ? "   " : "|  "))
            }
        }
        render(0, "")
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func cpuTime() -> (user: Double, system: Double) {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let t = { (tv: timeval) in Double(tv.tv_sec) + Double(tv.tv_usec) / 1e6 }
        return (t(usage.ru_utime), t(usage.ru_stime))
    }

    static func seconds(_ s: Double) -> String {
        let ms = Int((s * 1000).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }
}

