import ArgumentParser
import Glibc
import Logging
import VigilSystem
import VigilBPF
import VigilTrace

extension TraceFormat: ExpressibleByArgument {}

struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Trace process, file, network and syscall events from the kernel with eBPF.",
        discussion: """
        Examples:
          vigil trace                                   every exec, fork and exit on the machine
          vigil trace --format json -- make -j2         a command and all its children, as JSON lines
          vigil trace --pid 1234 --events exec,open     what process 1234 and its children run and open
          vigil trace --events connect,accept,close     TCP connections with their 4-tuple, bytes and duration
          vigil trace --syscalls unlinkat,renameat2     any syscall by name, arguments from the kernel's formats
          vigil trace --comm sshd --uid 0               filters combine, and are applied in the kernel
          vigil trace --policy policy.yaml              sources, filters and rules (log, alert, count, kill, deny)
        Ctrl-C stops and prints a summary: events by type and events lost.
        """
    )

    @Option(help: "Comma-separated event types: exec, fork, exit, open, read, write, connect, accept, close (default exec,fork,exit, or none with --syscalls).")
    var events: String?

    @Option(help: "Comma-separated syscalls to trace by name (any in /sys/kernel/tracing/events/syscalls), as `syscall` events.")
    var syscalls: String?

    @Option(help: "Trace only processes running this executable (absolute path).")
    var exe: String?

    @Option(help: "Bytes of string arguments captured, such as paths (1 to 4094).")
    var stringSize: UInt32 = 256

    @Option(help: "Bytes of buffer arguments captured for --syscalls, such as write's data (0 to 4094).")
    var bufferSize: UInt32 = 0

    @Flag(help: "Time each --syscalls call from entry to exit (duration_ns). Adds an entry hook: about a third more cost per traced call.")
    var durations = false

    @Option(help: "A policy file (YAML, docs/policy.md): sources, filters and rules. Flags given too add to it.")
    var policy: String?

    @Option(name: .customLong("pid"), help: "Trace only this process (repeatable); children are followed unless --no-follow.")
    var pids: [Int32] = []

    @Flag(inversion: .prefixedNo, help: "Also trace children of traced processes (added in the kernel at fork).")
    var follow = true

    @Option(help: "Trace only processes with this command name (comm, at most 15 bytes).")
    var comm: String?

    @Option(help: "Trace only processes with this real user id.")
    var uid: UInt32?

    @Option(help: "Trace only processes in this cgroup v2 path or below it (e.g. system.slice/ssh.service).")
    var cgroup: String?

    @Option(help: "Output format: human or json (JSON lines, see docs/events.md).")
    var format: TraceFormat = .human

    @Option(name: .shortAndLong, help: "Write events to this file instead of standard output.")
    var output: String?

    @Option(help: "Rotate the --output file when it reaches this size (K and M suffixes); 0 never rotates.")
    var rotateSize: String = "100M"

    @Option(help: "Rotated files to keep (FILE.1 … FILE.N).")
    var rotateKeep: Int = 5

    @Option(help: "Stop after this long: 500ms, 10s, 2m30s.")
    var duration: String?

    @Flag(help: "Add each event's ancestors (parent, grandparent, … up to pid 1) from the process cache.")
    var ancestry = false

    @Option(help: "argv bytes captured per exec (1 to 4095).")
    var argsSize: UInt32 = 1024

    /// 32 MiB: a burst of 100,000 syscall records (136 bytes, a path and headers: about
    /// 190 for a short path) with room to spare; 16 MiB held about 90,000.
    @Option(help: "Kernel ring buffer size in bytes (K and M suffixes allowed; rounded up to a power of two).")
    var ringBufferSize: String = "32M"

    @Flag(name: .shortAndLong, help: "Log libbpf's and Vigil's debug messages to standard error.")
    var verbose = false

    @Argument(parsing: .postTerminator, help: "A command to start and trace with its children, after --.")
    var command: [String] = []

    static let eventTypes = EventKind.allCases.filter { $0 != .syscall }.map(\.rawValue)

    func validate() throws {
        for name in eventNames where !Self.eventTypes.contains(name) {
            if name == "syscall" { throw ValidationError("use --syscalls NAME,… to choose syscall events") }
            throw ValidationError("unknown event type '\(name)'; use one or more of: \(Self.eventTypes.joined(separator: ", "))")
        }
        if stringSize == 0 || stringSize > 4094 { throw ValidationError("--string-size must be between 1 and 4094") }
        if bufferSize > 4094 { throw ValidationError("--buffer-size must be between 0 and 4094") }
        if let exe, !exe.hasPrefix("/") { throw ValidationError("--exe takes an absolute path, such as /usr/bin/curl") }
        if let duration { _ = try DurationOption.seconds(duration, option: "--duration") }
        if Self.bytes(ringBufferSize) == nil {
            throw ValidationError("cannot read ring buffer size '\(ringBufferSize)'; write it like 4M or 65536")
        }
        if rotateSize != "0" && Self.bytes(rotateSize) == nil {
            throw ValidationError("cannot read rotation size '\(rotateSize)'; write it like 100M, 512K or 0 for never")
        }
        if rotateKeep < 0 { throw ValidationError("--rotate-keep cannot be negative") }
        if argsSize == 0 || argsSize > 4095 { throw ValidationError("--args-size must be between 1 and 4095") }
        for pid in pids where pid <= 0 || kill(pid, 0) != 0 && errno == ESRCH {
            throw ValidationError("no process with pid \(pid)")
        }
        if let output, output.isEmpty { throw ValidationError("--output needs a file name") }
        if let comm, comm.isEmpty || comm.utf8.count > 15 {
            throw ValidationError("--comm takes a command name of 1 to 15 bytes (the kernel keeps no more); '\(comm)' has \(comm.utf8.count)")
        }
        if let cgroup {
            do { _ = try Cgroups.directory(cgroup) } catch {
                throw ValidationError("--cgroup \(cgroup): \(error)")
            }
        }
    }

    var eventNames: [String] {
        let defaults = syscallNames.isEmpty ? "exec,fork,exit" : ""
        return (events ?? defaults).split(separator: ",").map { $0.trimmingCharacters().lowercased() }.filter { !$0.isEmpty }
    }

    var syscallNames: [String] {
        (syscalls ?? "").split(separator: ",").map { $0.trimmingCharacters().lowercased() }.filter { !$0.isEmpty }
    }

    func run() throws {
        Vigil.bootstrapLogging(verbose: verbose)
        let logger = Logger(label: "vigil.trace")
        BPFLogging.install(logger)
        var options = TraceOptions()
        // A policy first; flags given on the command line then add to it or override it.
        var engine: RuleEngine?
        if let policy {
            do {
                let loaded = try Policy.load(path: policy)
                try loaded.apply(to: &options.sensor)
                engine = RuleEngine(rules: loaded.rules)
                if !loaded.denyRules.isEmpty {
                    let catalog = SyscallCatalog()
                    options.prevention = try PreventionPlan(
                        rules: loaded.denyRules, launchesCommand: !command.isEmpty, fanotify: Fanotify.available,
                        number: { name in (try? catalog.describe(name)).map { Int32(bitPattern: $0.number) } })
                }
            } catch {
                FileDescriptorText.write("vigil trace: \(error)\nnothing was attached.\n", to: 2)
                throw ExitCode(2)
            }
        }
        if let engine {
            options.judge = { engine.evaluate($0) }
            options.periodic = { final in final ? engine.finish() : engine.flush() }
        }
        let flagged = Set(eventNames.compactMap(EventKind.init(rawValue:)))
        if policy == nil { options.sensor.events = flagged } else if events != nil { options.sensor.events.formUnion(flagged) }
        options.sensor.syscalls += syscallNames.filter { !options.sensor.syscalls.contains($0) }
        options.sensor.exe = exe ?? options.sensor.exe
        if policy == nil || stringSize != 256 { options.sensor.stringSize = stringSize }
        if policy == nil || bufferSize != 0 { options.sensor.bufferSize = bufferSize }
        if durations { options.sensor.syscallDurations = true }
        if !pids.isEmpty { options.sensor.pids = pids }
        if policy == nil || !follow { options.sensor.followChildren = follow }
        options.sensor.argsSize = argsSize
        options.sensor.comm = comm ?? options.sensor.comm
        options.sensor.uid = uid ?? options.sensor.uid
        if let cgroup { options.sensor.cgroupDirectory = try? Cgroups.directory(cgroup) }  // checked in validate()
        options.sensor.ringBufferBytes = UInt32(min(Self.bytes(ringBufferSize) ?? (32 << 20), 1 << 30))
        options.format = format
        options.ancestry = ancestry
        options.outputPath = output
        options.rotateBytes = rotateSize == "0" ? nil : Self.bytes(rotateSize)
        options.rotateKeep = rotateKeep
        options.duration = duration.flatMap { try? DurationText.seconds($0) }
        options.command = command.isEmpty ? nil : command
        let summary: TraceSummary
        do {
            summary = try TraceSession(options: options, logger: logger).run()
        } catch {
            FileDescriptorText.write("vigil trace: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        FileDescriptorText.write(summary.text + "\n", to: 2)
        if let status = summary.commandStatus, status != 0 { throw ExitCode(status) }
    }

    /// "4M", "512K" or plain bytes.
    static func bytes(_ text: String) -> Int? {
        let upper = text.uppercased()
        if upper.hasSuffix("M"), let v = Int(upper.dropLast()) { return v << 20 }
        if upper.hasSuffix("K"), let v = Int(upper.dropLast()) { return v << 10 }
        return Int(upper).flatMap { $0 > 0 ? $0 : nil }
    }
}
