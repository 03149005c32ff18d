import ArgumentParser
import Glibc
import VigilConsole
import VigilSQL
import VigilSystem
import VigilTables

extension OutputFormat: ExpressibleByArgument {}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL against the live OS and print the result.",
        discussion: "Example: vigil query \"SELECT pid, name FROM processes WHERE name = 'sshd'\""
    )

    @Argument(help: "One or more SQL statements.")
    var sql: String

    @Option(name: .shortAndLong, help: "Output format: table, line, csv, json or jsonl.")
    var format: OutputFormat = .table

    @Flag(help: "Show each statement's wall and CPU time.")
    var timer = false

    @Flag(name: .shortAndLong, help: "Log debug detail to standard error.")
    var verbose = false

    func validate() throws {
        if sql.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            throw ValidationError("the SQL is empty; give a statement such as \"SELECT * FROM uptime\"")
        }
    }

    func run() throws {
        Vigil.bootstrapLogging(verbose: verbose)
        let database = try Database(tables: TableRegistry.all())
        let runner = QueryRunner(database: database, format: format)
        runner.timer = timer
        if !runner.run(sql) { throw ExitCode(1) }
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

    func run() throws {
        Vigil.bootstrapLogging(verbose: false)
        let database = try Database(tables: TableRegistry.all())
        let runner = QueryRunner(database: database, format: format)
        let home = getenv("HOME").map { String(cString: $0) }
        let shell = Shell(runner: runner, historyPath: history ?? home.map { "\($0)/.vigil_history" })
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
        let tables = TableRegistry.all()
        let out = Output(fd: 1)
        if markdown {
            out.write(TableDocs.markdown(tables))
        } else {
            for t in tables { out.line(t.schema.name.padded(to: 24, minimumGap: 1) + t.schema.description) }
        }
        out.flush()
    }
}
