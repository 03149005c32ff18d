import ArgumentParser
import Logging
import VigilAgent
import VigilTables

@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "See what Linux machines are doing: SQL over the live OS, kernel event tracing, CPU profiling, an agent and its fleet server.",
        version: "vigil \(VigilVersion.version) (\(VigilVersion.build))",
        subcommands: [QueryCommand.self, ShellCommand.self, TablesCommand.self, TraceCommand.self, ProfileCommand.self, DoctorCommand.self, ProfileQueriesCommand.self, AgentCommand.self, DebugCommand.self, ServerCommand.self, UpCommand.self, StatusCommand.self]
    )

    static func main() async {
        await main(QueryCommand.protectingSQL(Array(CommandLine.arguments.dropFirst())))
    }

    /// Only the executable bootstraps logging; libraries take a Logger.
    /// - Parameter statusLog: also keep the lines (info and above) for a fleet server's status log.
    /// - Parameter chosen: `--log-level`, over `verbose` and `level`.
    static func bootstrapLogging(verbose: Bool, level: Logger.Level = .warning, chosen: LogLevelArgument? = nil, statusLog: StatusLog? = nil) {
        ProcessLogLevel.set(chosen?.level ?? (verbose ? .debug : level))
        LoggingSystem.bootstrap { label in
            ProcessLevelHandler(StreamLogHandler.standardError(label: label), statusLog: statusLog?.handler(level: .info))
        }
    }
}
