import ArgumentParser
import Logging
import VigilTables

@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "See what Linux machines are doing: SQL over the live OS, kernel event tracing, CPU profiling, an agent and its fleet server.",
        version: "vigil \(VigilVersion.version) (\(VigilVersion.build))",
        subcommands: [QueryCommand.self, ShellCommand.self, TablesCommand.self, TraceCommand.self, ProfileCommand.self, DoctorCommand.self, ProfileQueriesCommand.self, AgentCommand.self, DebugCommand.self, ServerCommand.self, UpCommand.self]
    )

    static func main() async {
        await main(QueryCommand.protectingSQL(Array(CommandLine.arguments.dropFirst())))
    }

    /// Only the executable bootstraps logging; libraries take a Logger.
    static func bootstrapLogging(verbose: Bool, level: Logger.Level = .warning) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : level
            return handler
        }
    }
}
