import ArgumentParser
import Glibc
import Logging
import VigilBPF
import VigilProfile
import VigilSystem

extension ProfileFormat: ExpressibleByArgument {}

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Sample the CPU with eBPF, symbolize on this host, write pprof, folded stacks, a flame graph or callgrind.",
        discussion: """
        Examples:
          vigil profile --duration 30s -o cpu.pb.gz                whole system, pprof (go tool pprof cpu.pb.gz)
          vigil profile --format svg -o flame.svg -- make -j2      a command and its children, as a flame graph
          vigil profile --pid 1234 --format folded                 one process with its threads, folded stacks
        At the end it prints the top functions by self and total time.
        """
    )

    @Option(help: "Samples per second per CPU (19 by default, so samples never lock step with 10 ms timers).")
    var frequency: UInt64 = 19

    @Option(help: "Stop after this long: 500ms, 10s, 2m (default: until Ctrl-C or the command exits).")
    var duration: String?

    @Option(name: .customLong("pid"), help: "Profile only this process and its threads (repeatable); children it forks are included.")
    var pids: [Int32] = []

    @Option(help: "Profile only tasks in this cgroup v2 path or below it.")
    var cgroup: String?

    @Flag(name: .customLong("self"), help: "Profile Vigil itself.")
    var profileSelf = false

    @Option(help: "Output format: pprof (gzip'd profile.proto), folded, svg (interactive flame graph) or callgrind.")
    var format: ProfileFormat = .pprof

    @Option(name: .shortAndLong, help: "Write the profile here (default: profile.pb.gz, profile.folded, profile.svg or callgrind.out).")
    var output: String?

    @Option(help: "Bytes of user stack copied per sample, for unwinding without frame pointers (512 to 16384).")
    var stackCopy: UInt32 = 16384

    @Flag(name: .shortAndLong, help: "Log libbpf's and Vigil's debug messages to standard error.")
    var verbose = false

    @Argument(parsing: .postTerminator, help: "A command to start and profile with its children, after --.")
    var command: [String] = []

    func validate() throws {
        if frequency == 0 || frequency > 10_000 { throw ValidationError("--frequency must be between 1 and 10000 Hz") }
        if let duration, TraceCommand.seconds(duration) == nil {
            throw ValidationError("cannot read duration '\(duration)'; write it like 500ms, 10s or 2m")
        }
        if stackCopy < 512 || stackCopy > 16384 { throw ValidationError("--stack-copy must be between 512 and 16384 bytes") }
        for pid in pids where pid <= 0 || kill(pid, 0) != 0 && errno == ESRCH {
            throw ValidationError("no process with pid \(pid)")
        }
        if let cgroup {
            do { _ = try Cgroups.directory(cgroup) } catch { throw ValidationError("--cgroup \(cgroup): \(error)") }
        }
        if profileSelf && (!pids.isEmpty || !command.isEmpty) {
            throw ValidationError("--self profiles Vigil alone; leave out --pid and the command")
        }
    }

    var defaultOutput: String {
        switch format {
        case .pprof: return "profile.pb.gz"
        case .folded: return "profile.folded"
        case .svg: return "profile.svg"
        case .callgrind: return "callgrind.out"
        }
    }

    func run() throws {
        Vigil.bootstrapLogging(verbose: verbose)
        BPFLogging.install(Logger(label: "vigil.profile"))
        var options = ProfileOptions()
        options.sampler.frequency = frequency
        options.sampler.stackCopyBytes = stackCopy
        if !pids.isEmpty { options.sampler.pids = pids }
        if profileSelf {
            options.sampler.pids = [getpid()]
            options.sampler.followChildren = false
        }
        if let cgroup { options.sampler.cgroupDirectory = try? Cgroups.directory(cgroup) }
        options.duration = duration.flatMap(TraceCommand.seconds)
        options.command = command.isEmpty ? nil : command
        options.progress = isatty(2) == 1
        let path = output ?? defaultOutput
        let result: (SymbolizedProfile, ProfileStatistics)
        do {
            result = try ProfileSession(options: options).run()
        } catch {
            FileDescriptorText.write("vigil profile: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        let (profile, statistics) = result
        do {
            try format.write(profile, to: path, title: command.isEmpty ? "vigil profile" : command.joined(separator: " "))
        } catch {
            FileDescriptorText.write("vigil profile: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        var summary = "\(statistics.samples) samples in \(String(format: "%.1f", statistics.seconds)) s on \(frequency) Hz per CPU"
        summary += "; dropped: \(statistics.droppedInKernel) in the kernel, \(statistics.undecodable) undecodable\n"
        summary += "user stacks: \(statistics.dwarfUnwound) unwound with call frame information, \(statistics.incompleteUserStacks) incomplete (marked)\n"
        summary += "wrote \(path) (\(format.rawValue))\n\n"
        summary += TopFunctions(profile).render(limit: 15)
        FileDescriptorText.write(summary + "\n", to: 2)
        if let status = statistics.commandStatus, status != 0 { throw ExitCode(status) }
    }
}
