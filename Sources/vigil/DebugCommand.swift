import ArgumentParser
import Glibc
import VigilAgent
import VigilSystem

/// `vigil debug …`: look inside the running agent without restarting it.
struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Look inside the running agent without restarting it.",
        subcommands: [DebugProfileCommand.self]
    )
}

struct DebugProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "CPU-profile the running agent's worker, and print its memory and threads.",
        discussion: """
        The worker samples itself (its own pid, its threads, no children) through its admin socket \
        DATA_DIR/admin.sock and sends back a gzip'd pprof profile (go tool pprof agent.pb.gz).
        Example: vigil debug profile --duration 30s -o agent.pb.gz
        """
    )

    @Option(help: "The agent's data directory (default: /var/lib/vigil as root, else ./vigil-data).")
    var dataDir: String?

    @Option(help: "How long to sample: 500ms, 30s, 2m (at most 10m).")
    var duration: String = "30s"

    @Option(help: "Samples per second per CPU.")
    var frequency: UInt64 = 19

    @Option(name: .shortAndLong, help: "Write the profile here (gzip'd pprof).")
    var output: String = "agent.pb.gz"

    func validate() throws {
        _ = try DurationOption.seconds(duration, option: "--duration", in: 0.001...600)
        if frequency == 0 || frequency > 10_000 { throw ValidationError("--frequency must be between 1 and 10000 Hz") }
    }

    func run() throws {
        let client = AdminClient(dataDirectory: dataDir ?? AgentPaths.defaultDataDirectory)
        let result: (pprof: [UInt8], report: String, samples: Int)
        do { result = try client.profile(seconds: (try? DurationText.seconds(duration)) ?? 30, frequency: frequency) } catch {
            FileDescriptorText.write("vigil debug profile: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        do { try Self.write(result.pprof, to: output) } catch {
            FileDescriptorText.write("vigil debug profile: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        FileDescriptorText.write("\(result.samples) samples of the agent's worker; wrote \(output) (pprof)\n\n" + result.report, to: 1)
    }

    static func write(_ bytes: [UInt8], to path: String) throws(SystemError) {
        let fd = try retryingEINTR("open", path: path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = try retryingEINTR("write", path: path) { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) } }
            done += n
        }
    }
}
