import ArgumentParser
import Glibc
import VigilAgent
import VigilConsole
import VigilSQL
import VigilSystem
import VigilTables

extension OutputFormat: ExpressibleByArgument {}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL against the live OS and print the result.",
        discussion: """
        Example: vigil query "SELECT pid, name FROM processes WHERE name = 'sshd'"
        With --agent the SQL runs inside the running agent (its admin socket in the data directory), where
        vigil_schedule, vigil_telemetry and the event tables show its live state.
        """
    )

    @Flag(help: "Run the SQL inside the running agent (DATA_DIR/admin.sock) rather than in this process.")
    var agent = false

    @Option(help: "With --agent: the agent's data directory (default: /var/lib/vigil as root, else ./vigil-data).")
    var dataDir: String?

    @Argument(help: "One or more SQL statements.")
    var sql: String

    @Option(name: .shortAndLong, help: "Output format: table, line, csv, json or jsonl.")
    var format: OutputFormat = .table

    @Flag(help: "Show each statement's wall and CPU time.")
    var timer = false

    @Flag(name: .shortAndLong, help: "Log debug detail to standard error.")
    var verbose = false

    @Option(help: "Stop the SQL when it has run this many seconds (0: no limit).")
    var timeout: Double = 300

    @Option(help: "Fail a statement when SQLite's memory would pass this many MB (sorts and temporary tables stay in memory; 0: no limit).")
    var memoryLimit: Int = 1024

    @OptionGroup var sockets: DaemonSocketOptions

    func validate() throws {
        if timeout < 0 { throw ValidationError("--timeout must be 0 (no limit) or more seconds, found \(timeout)") }
        if memoryLimit < 0 { throw ValidationError("--memory-limit must be 0 (no limit) or more MB, found \(memoryLimit)") }
        if sql.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            throw ValidationError("the SQL is empty; give a statement such as \"SELECT * FROM uptime\"")
        }
        if dataDir != nil && !agent { throw ValidationError("--data-dir names the agent to ask: add --agent") }
        if agent && sockets.lxdSocket != nil { throw ValidationError("--lxd_socket is for this process; the agent reads lxd_socket from its config's options") }
    }

    func run() throws {
        Vigil.bootstrapLogging(verbose: verbose)
        if agent {
            let runner = AgentQueryRunner(client: AdminClient(dataDirectory: dataDir ?? AgentPaths.defaultDataDirectory), format: format)
            runner.timer = timer
            if !runner.run(sql) { throw ExitCode(runner.unreachable ? 2 : 1) }
            return
        }
        Database.limitHeap(megabytes: memoryLimit)
        // osquery_flags shows the one osquery flag this command takes (-v, osquery's --verbose).
        var flags = AgentFlags.Settings()
        flags.options.verbose = verbose
        let database = try Database(tables: TableRegistry.all(adding: StandaloneOsqueryTables.all(flags: flags) + sockets.tables))
        database.tablesElsewhere = StandaloneOsqueryTables.agentOnly
        database.limitTime(seconds: timeout > 0 ? timeout : nil)
        let runner = QueryRunner(database: database, format: format)
        runner.timer = timer
        if !runner.run(sql) { throw ExitCode(1) }
    }
}

extension QueryCommand {
    /// `vigil query "-- why\nSELECT 1"`: SQL may start with a comment, which the
    /// argument parser would take for an option. An argument of `query` that starts
    /// with "-" and holds whitespace cannot be an option (none has a space), so it is
    /// moved behind a "--" at the end, where only positionals go.
    static func protectingSQL(_ arguments: [String]) -> [String] {
        guard arguments.first == "query", !arguments.contains("--") else { return arguments }
        let isSQL = { (a: String) in a.hasPrefix("-") && a.contains(where: \.isWhitespace) }
        let sql = arguments.filter(isSQL)
        guard sql.count == 1 else { return arguments }
        return arguments.filter { !isSQL($0) } + ["--"] + sql
    }
}

struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Interactive SQL shell over the live OS (like osqueryi)."
    )

    @Option(name: .shortAndLong, help: "Initial output format: table, line, csv, json or jsonl.")
    var format: OutputFormat = .table

    @Option(help: "History file (default ~/.vigil_history).")
    var history: String?

    @Flag(help: "Run statements inside the running agent (DATA_DIR/admin.sock), where its own tables show live state.")
    var agent = false

    @Option(help: "With --agent: the agent's data directory (default: /var/lib/vigil as root, else ./vigil-data).")
    var dataDir: String?

    @OptionGroup var sockets: DaemonSocketOptions

    func validate() throws {
        if dataDir != nil && !agent { throw ValidationError("--data-dir names the agent to ask: add --agent") }
        if agent && sockets.lxdSocket != nil { throw ValidationError("--lxd_socket is for this process; the agent reads lxd_socket from its config's options") }
    }

    func run() throws {
        Vigil.bootstrapLogging(verbose: false)
        let home = getenv("HOME").map { String(cString: $0) }
        let historyPath = history ?? home.map { "\($0)/.vigil_history" }
        if agent {
            let client = AdminClient(dataDirectory: dataDir ?? AgentPaths.defaultDataDirectory)
            // Say now, not at the first statement, when there is no agent to talk to.
            do { _ = try client.tableSchemas() } catch {
                FileDescriptorText.write("vigil shell: \(error)\n", to: 2)
                throw ExitCode(2)
            }
            let runner = AgentQueryRunner(client: client, format: format)
            let shell = Shell(runner: runner, historyPath: historyPath,
                              banner: "Vigil shell: SQL inside the agent at \(client.socketPath). Type .help for commands, .quit to leave.")
            if !shell.run() { throw ExitCode(1) }
            return
        }
        let database = try Database(tables: TableRegistry.all(adding: StandaloneOsqueryTables.all() + sockets.tables))
        database.tablesElsewhere = StandaloneOsqueryTables.agentOnly
        let runner = QueryRunner(database: database, format: format)
        let shell = Shell(runner: runner, historyPath: historyPath)
        if !shell.run() { throw ExitCode(1) }
    }
}

struct TablesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tables",
        abstract: "List the tables, or print their reference as Markdown."
    )

    @Flag(help: "Print the Markdown reference (docs/tables.md).")
    var markdown = false

    func run() throws {
        // What `vigil query` answers, osquery's own tables included.
        let tables = TableRegistry.all(adding: StandaloneOsqueryTables.all())
        let out = Output(fd: 1)
        if markdown {
            // The reference lists the agent's event tables too (they answer in `vigil query --agent`).
            let documented = TableRegistry.all(adding: StandaloneOsqueryTables.all() + EventStores(capacity: 1).tables)
            out.write(TableDocs.markdown(documented, provenance: TableProvenance.entries.mapValues { ($0.source, $0.tested) }))
        } else {
            for t in tables { out.line(t.schema.name.padded(to: 24, minimumGap: 1) + t.schema.description) }
        }
        out.flush()
    }
}
