import CEditLine
import Glibc
import VigilSQL
import VigilSystem

/// `vigil shell`: an interactive SQL shell with libedit line editing and history,
/// osqueryi's dot-commands, and statements that may span lines (complete at `;`).
/// On a terminal, Ctrl-C stops the running statement or drops the line being typed
/// (`ShellInterrupts`), and Ctrl-D on an empty line leaves.
public final class Shell {
    let runner: any StatementRunner
    let out: Output
    /// Where errors go, statements' and dot-commands' alike, as sqlite3 does.
    let err: Output
    let historyPath: String?
    let interactive: Bool
    let banner: String

    public init(runner: any StatementRunner, historyPath: String?,
                banner: String = "Vigil shell: SQL over the live OS. Type .help for commands, .quit to leave.",
                err: Output = Output(fd: 2)) {
        self.runner = runner
        self.out = runner.out
        self.err = err
        self.historyPath = historyPath
        self.interactive = isatty(0) == 1
        self.banner = banner
    }

    /// Read and run until `.quit` or end of input. Returns false if any statement or
    /// dot-command failed when input was not a terminal (so scripts can check the exit code).
    public func run() -> Bool {
        var ok = true
        var interrupts: ShellInterrupts?
        if interactive {
            // Characters beyond ASCII reach libedit as wide characters only in the user's locale.
            setlocale(LC_CTYPE, "")
            do { interrupts = try ShellInterrupts(runner: runner) } catch {
                err.line("vigil shell: Ctrl-C will end the shell, not a statement (\(error))")
                err.flush()
            }
            out.line(banner)
            out.flush()
            if let historyPath { _ = read_history(historyPath) }
        }
        var pending = ""
        while let line = readLine(prompt: pending.isEmpty ? "vigil> " : "   ...> ") {
            if interrupts?.takePromptInterrupt() == true {
                pending = ""
                continue
            }
            let trimmed = line.trimmingCharacters()
            if pending.isEmpty && trimmed.hasPrefix(".") {
                remember(trimmed)
                let result = dotCommand(trimmed)
                if result == .quit { break }
                if result == .failed { ok = false }
                continue
            }
            if trimmed.isEmpty && pending.isEmpty { continue }
            pending += pending.isEmpty ? line : "\n" + line
            if Database.isComplete(pending) {
                remember(pending)
                let statement = pending
                let succeeded = interrupts.map { $0.whileRunning { runner.run(statement) } } ?? runner.run(statement)
                if !succeeded { ok = false }
                pending = ""
            }
        }
        if !pending.trimmingCharacters().isEmpty { if !runner.run(pending) { ok = false } }
        if interactive, let historyPath, HistoryFile.isWritable(historyPath) { _ = write_history(historyPath) }
        out.flush()
        return interactive || ok
    }

    func readLine(prompt: String) -> String? {
        if interactive {
            guard let raw = readline(prompt) else {
                out.line()
                return nil
            }
            defer { free(raw) }
            return String(cString: raw)
        }
        return Swift.readLine(strippingNewline: true)
    }

    func remember(_ entry: String) {
        if interactive { add_history(entry) }
    }

    enum DotResult { case ok, failed, quit }

    /// Handle a dot-command.
    func dotCommand(_ line: String) -> DotResult {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let argument = words.count > 1 ? words[1] : nil
        var result = DotResult.ok
        func fail(_ message: String) {
            out.flush()  // keep the order of what was printed before
            err.line("Error: \(message)")
            err.flush()
            result = .failed
        }
        switch words[0] {
        case ".quit", ".exit", ".q":
            return .quit
        case ".help":
            out.line(Self.help)
        case ".tables":
            let names = runner.tableSchemas().keys.sorted().filter { argument == nil || $0.contains(argument!) }
            for name in names { out.line("  => \(name)") }
        case ".schema":
            let schemas = runner.tableSchemas()
            let names = argument.map { [$0] } ?? schemas.keys.sorted()
            for name in names {
                if let create = schemas[name] {
                    out.line(create + ";")
                } else {
                    fail("no such table: \(name)")
                }
            }
        case ".mode":
            if let argument, let format = OutputFormat(rawValue: argument) {
                runner.format = format
            } else {
                fail(".mode takes one of: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        case ".timer":
            switch argument {
            case "on": runner.timer = true
            case "off": runner.timer = false
            default: fail(".timer takes on or off")
            }
        default:
            fail("unknown command \(words[0]); type .help for the list")
        }
        out.flush()
        return result
    }

    static let help = """
    .help               Show this message
    .tables [TEXT]      List tables (those whose name contains TEXT)
    .schema [TABLE]     Show the CREATE statement of TABLE (or of every table)
    .mode MODE          Output as table, line, csv, json or jsonl
    .timer on|off       Show wall and CPU time of each statement
    .quit               Leave the shell (also .exit, Ctrl-D)
    SQL statements end with ';' and may span lines. EXPLAIN QUERY PLAN SELECT ...
    shows which constraints Vigil pushes down to a table.
    """
}
