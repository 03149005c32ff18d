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

    @Option(help: "Stop after this long: 500ms, 10s, 2m30s (default: until Ctrl-C or the command exits).")
    var duration: String?

    @Option(name: .customLong("pid"), help: "Profile only this process and its threads (repeatable); children it forks are included.")
    var pids: [Int32] = []

    @Option(help: "Profile only tasks in this cgroup v2 path or below it.")
    var cgroup: String?

    @Flag(name: .customLong("self"), help: "Profile Vigil itself, and report its memory and what each of its threads is doing.")
    var profileSelf = false

    @Option(help: "Output format: pprof (gzip'd profile.proto), folded, svg (interactive flame graph) or callgrind.")
    var format: ProfileFormat = .pprof

    @Option(name: .shortAndLong, help: "Write the profile here (default: profile.pb.gz, profile.folded, profile.svg or callgrind.out).")
    var output: String?

    @Flag(help: "Also record where threads wait off the CPU (sched_switch), as a second sample type: pprof carries both; the other formats write the off-CPU time to a second file, NAME.off-cpu.EXT.")
    var offCPU = false

    @Option(help: "Bytes of user stack copied per sample, for unwinding without frame pointers (512 to 16384).")
    var stackCopy: UInt32 = 16384

    @Option(help: "Continuous mode: one profile per interval (e.g. 60s) written into --output-dir, until Ctrl-C or --duration.")
    var interval: String?

    @Option(help: "Continuous mode: the directory profiles are written to (created if missing).")
    var outputDir: String?

    @Option(help: "Continuous mode: profile during a random share of intervals, 1-99 percent (100: always), as the otel agent's -probabilistic-threshold.")
    var probabilisticThreshold: Int = 100

    @Option(help: "Continuous mode: how long each on/off decision lasts (default 1m), as the otel agent's -probabilistic-interval.")
    var probabilisticInterval: String = "1m"

    @Flag(name: .shortAndLong, help: "Log libbpf's and Vigil's debug messages to standard error.")
    var verbose = false

    @Argument(parsing: .postTerminator, help: "A command to start and profile with its children, after --.")
    var command: [String] = []

    func validate() throws {
        if frequency == 0 || frequency > 10_000 { throw ValidationError("--frequency must be between 1 and 10000 Hz") }
        if let duration { _ = try DurationOption.seconds(duration, option: "--duration") }
        if stackCopy < 512 || stackCopy > 16384 { throw ValidationError("--stack-copy must be between 512 and 16384 bytes") }
        for pid in pids where pid <= 0 || kill(pid, 0) != 0 && errno == ESRCH {
            throw ValidationError("no process with pid \(pid)")
        }
        if let cgroup {
            do { _ = try Cgroups.directory(cgroup) } catch { throw ValidationError("--cgroup \(cgroup): \(error)") }
        }
        if let interval, try DurationOption.seconds(interval, option: "--interval") < 1 {
            throw ValidationError("--interval '\(interval)' must be at least 1s; write it like 30s or 5m")
        }
        if interval != nil && !command.isEmpty {
            throw ValidationError("--interval profiles until stopped; it cannot be combined with a command")
        }
        if interval != nil && output != nil {
            throw ValidationError("--interval writes one file per interval: give --output-dir DIR instead of -o")
        }
        if interval == nil && (outputDir != nil || probabilisticThreshold != 100) {
            throw ValidationError("--output-dir and --probabilistic-threshold belong to continuous mode: add --interval 60s")
        }
        if !(1...100).contains(probabilisticThreshold) {
            throw ValidationError("--probabilistic-threshold must be between 1 and 99 (100 means always on)")
        }
        if try DurationOption.seconds(probabilisticInterval, option: "--probabilistic-interval") < 1 {
            throw ValidationError("--probabilistic-interval '\(probabilisticInterval)' must be at least 1s; write it like 30s or 2m30s")
        }
        if profileSelf && (!pids.isEmpty || !command.isEmpty) {
            throw ValidationError("--self profiles Vigil alone; leave out --pid and the command")
        }
    }

    /// profile.svg → profile.off-cpu.svg; callgrind.out → callgrind.off-cpu.out.
    static func offCPUPath(_ path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        guard let dot = path[slash...].firstIndex(of: "."), dot != slash else { return path + ".off-cpu" }
        return String(path[..<dot]) + ".off-cpu" + String(path[dot...])
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
        options.sampler.offCPU = offCPU
        if !pids.isEmpty { options.sampler.pids = pids }
        if profileSelf {
            options.sampler.pids = [getpid()]
            options.sampler.followChildren = false
        }
        if let cgroup { options.sampler.cgroupDirectory = try? Cgroups.directory(cgroup) }
        options.duration = duration.flatMap { try? DurationText.seconds($0) }
        options.command = command.isEmpty ? nil : command
        options.progress = isatty(2) == 1
        if let interval, let seconds = try? DurationText.seconds(interval) {
            return try runContinuous(sampler: options.sampler, interval: seconds, duration: options.duration)
        }
        let path = output ?? defaultOutput
        let result: (SymbolizedProfile, ProfileStatistics)
        do {
            result = try ProfileSession(options: options).run()
        } catch {
            FileDescriptorText.write("vigil profile: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        let (profile, statistics) = result
        let title = command.isEmpty ? "vigil profile" : command.joined(separator: " ")
        var written = [path]
        do {
            try format.write(profile, to: path, title: title)
            if offCPU && format != .pprof {
                let second = Self.offCPUPath(path)
                try format.write(profile, to: second, kind: .offCPU, title: title + " (off-CPU)")
                written.append(second)
            }
        } catch {
            FileDescriptorText.write("vigil profile: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        var summary = "\(statistics.samples) samples in \(String(format: "%.1f", statistics.seconds)) s on \(frequency) Hz per CPU"
        if offCPU {
            summary += ", \(statistics.offCPUWaits) off-CPU waits"
            let lost = statistics.offCPUEndsLost + statistics.offCPUEndsUnmatched
            if lost > 0 { summary += " (\(lost) left out: the kernel sent no end for \(statistics.offCPUEndsLost), \(statistics.offCPUEndsUnmatched) ends matched no wait)" }
        }
        summary += "; dropped: \(statistics.droppedInKernel) in the kernel, \(statistics.undecodable) undecodable\n"
        summary += "user stacks: \(statistics.dwarfUnwound) unwound with call frame information, \(statistics.incompleteUserStacks) incomplete (marked)"
        if statistics.namedAfterExit > 0 { summary += ", \(statistics.namedAfterExit) named from the mappings sent at their process's exit" }
        summary += "\n"
        for warning in statistics.warnings { summary += "warning: \(warning)\n" }
        summary += "wrote \(written.joined(separator: " and ")) (\(format.rawValue))\n\n"
        summary += TopFunctions(profile).render(limit: 15)
        if offCPU { summary += "\n" + TopFunctions(profile, kind: .offCPU).render(limit: 15) }
        if profileSelf { summary += "\n" + SelfReport(profile: profile).render() }
        FileDescriptorText.write(summary + "\n", to: 2)
        if let status = statistics.commandStatus, status != 0 { throw ExitCode(status) }
    }
}
