import ArgumentParser
import Glibc
import VigilAgent
import VigilSystem

extension ProfileReportFormat: ExpressibleByArgument {}

struct ProfileQueriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile-queries",
        abstract: "Run each query of a schedule or pack and report its cost with osquery's profile.py levels.",
        discussion: """
            Levels 0-3 per measure use profile.py's thresholds. Exits 2 when the config cannot \
            be used (nothing runs), 1 when a query failed (the others still run).
            Example: vigil profile-queries --config /etc/osquery/packs/incident-response.conf --rounds 3
            """
    )

    @Option(help: "A Vigil YAML config, an osquery JSON config, or an osquery pack file.")
    var config: String

    @Option(help: "Run each query this many times and report the mean.")
    var rounds = 1

    @Option(name: .shortAndLong, help: "Output format: table or json.")
    var format: ProfileReportFormat = .table

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, found \(rounds)") }
    }

    func run() throws {
        Vigil.bootstrapLogging(verbose: false)
        let plan: ProfilePlan
        do {
            plan = try QueryProfiler.plan(configPath: config)
        } catch {
            FileDescriptorText.write("vigil profile-queries: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        for warning in plan.warnings { FileDescriptorText.write("\(warning)\n", to: 2) }
        // Progress only for a person watching: a script reads the report.
        let showProgress = isatty(2) == 1
        let profiles = try QueryProfiler.run(plan, rounds: rounds) { index, target in
            if showProgress { FileDescriptorText.write("profiling \(target.name) (\(index + 1)/\(plan.targets.count))\n", to: 2) }
        }
        let report = ProfileReport(plan: plan, rounds: rounds, profiles: profiles)
        FileDescriptorText.write(report.render(format), to: 1)
        if report.failures > 0 { throw ExitCode(1) }
    }
}
