import ArgumentParser
import Glibc
import Logging
import VigilBPF
import VigilSystem
import VigilProfile
import VigilTrace

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "What this kernel and these privileges allow, and what will not work here and why."
    )

    func run() throws {
        Vigil.bootstrapLogging(verbose: false)
        BPFLogging.install(Logger(label: "vigil.doctor"))
        let out = Output(fd: 1)
        out.line("Kernel and privileges")
        for c in KernelFeatures.probe() {
            out.line("  \(c.available ? "ok  " : "no  ") \(c.name.padded(to: 40, minimumGap: 1)) \(c.detail)")
        }
        out.line()
        out.line("Vigil features")
        // Load and attach each source for real, then detach: the only honest test.
        func check(_ configure: (inout SensorOptions) -> Void, _ what: String) -> (Bool, String) {
            var options = SensorOptions()
            options.pids = []
            options.ringBufferBytes = 1 << 16
            configure(&options)
            do {
                let s = try TraceSensor(options: options)
                s.detach()
                return (true, what)
            } catch {
                return (false, "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)")
            }
        }
        let process = check({ $0.events = [.exec, .fork, .exit] }, "load and attach (tp_btf/sched_process_{exec,fork,exit})")
        let syscalls = check({ $0.events = []; $0.syscalls = ["openat"] }, "load and attach (tracepoint syscalls:sys_{enter,exit}_*, formats from tracefs)")
        let files = check({ $0.events = [.open, .read, .write] }, "load and attach (open*, read*, write* syscall tracepoints, path walk)")
        let network = check({ $0.events = [.connect, .accept, .close] }, "load and attach (tp_btf/inet_sock_set_state, sys_exit_accept*)")
        let kill = check({ $0.events = []; $0.killRules = [KernelKillRule(syscall: "openat", argument: "filename", value: "/nonexistent/vigil-doctor", prefix: false)] }, "SIGKILL from syscall entry: the process dies when the call returns; the call is not undone")
        out.line("  ok   \("vigil query (SQL over /proc, /sys, /etc)".padded(to: 40, minimumGap: 1)) no privileges needed; some columns need root")
        for (name, result) in [("vigil trace: exec, fork, exit", process), ("vigil trace: syscalls", syscalls),
                               ("vigil trace: open, read, write", files), ("vigil trace: connect, accept, close", network),
                               ("vigil trace: kill rules", kill)] {
            out.line("  \(result.0 ? "ok  " : "no  ") \(name.padded(to: 40, minimumGap: 1)) \(result.1)")
        }
        for (name, result) in preventionChecks() {
            out.line("  \(result.0 ? "ok  " : "no  ") \(name.padded(to: 40, minimumGap: 1)) \(result.1)")
        }
        let profile: (Bool, String)
        do {
            var options = SamplerOptions()
            options.pids = []  // samples nothing, but loads and attaches everything
            options.ringBufferBytes = 1 << 16
            let sampler = try CPUSampler(options: options)
            sampler.detach()
            profile = (true, "load and attach (cpu-clock perf events on \(sampler.cpus.count) CPUs, bpf_get_stack, stack copy)")
        } catch {
            profile = (false, "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)")
        }
        out.line("  \(profile.0 ? "ok  " : "no  ") \("vigil profile".padded(to: 40, minimumGap: 1)) \(profile.1)")
        // The agent's parts need what the commands above need; its scheduled queries and
        // watchdog need nothing more than `vigil query`.
        let eventTables = [process, network, files].first { !$0.0 }.map { (false, "the tables stay empty: \($0.1)") }
            ?? (true, "process_events, socket_events and file_events fed by the trace sensors")
        let continuous = profile.0 ? (true, "the profiler above, at the configured frequency") : (false, "no profiles: \(profile.1)")
        for (name, result) in [("vigil agent: scheduled queries", (true, "watchdog, worker, per-query cost accounting; no privileges needed")),
                               ("vigil agent: event tables", eventTables), ("vigil agent: continuous profiling", continuous)] {
            out.line("  \(result.0 ? "ok  " : "no  ") \(name.padded(to: 40, minimumGap: 1)) \(result.1)")
        }
        out.flush()
    }

    /// What `deny` rules get here: each mechanism tried for real.
    func preventionChecks() -> [(String, (Bool, String))] {
        let fanotify: (Bool, String)
        switch Fanotify.available {
        case .success: fanotify = (true, "fanotify permission events (FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM), machine-wide")
        case .failure(let error): fanotify = (false, "no fanotify permission events: \(error)")
        }
        // A child under a filter (the architecture check, no denials) must start and exit 0.
        let seccomp: (Bool, String)
        do {
            let child = try ChildProcess.spawnStopped(["/bin/true"], seccomp: SeccompProgram(denying: []))
            let failure = child.resume()
            let status = child.waitForExit()
            seccomp = failure == nil && status == 0
                ? (true, "a seccomp filter installed before the exec of a command Vigil starts (SECCOMP_RET_ERRNO)")
                : (false, "a filtered child did not run: \(failure.map { String(cString: strerror($0)) } ?? "status \(status ?? -1)")")
        } catch {
            seccomp = (false, "no seccomp filter: \(error)")
        }
        let landlock: String
        do {
            _ = try LandlockRuleset(handling: LandlockRuleset.removeFile)
            landlock = "Landlock for rules beneath a directory (EACCES)"
        } catch {
            landlock = "no Landlock (\(error)): rules beneath a directory are refused"
        }
        let lsm = KernelFeatures.probe().first { $0.name == "BPF LSM programs" }
        let lsmText = lsm?.available == true ? "BPF LSM loads but is not used yet" : "BPF LSM refused here"
        return [
            ("vigil trace: deny open, exec rules", (fanotify.0, fanotify.1 + "; the call fails with EPERM before it has any effect")),
            ("vigil trace: deny syscall rules", (seccomp.0, seccomp.1 + "; \(landlock); \(lsmText), so machine-wide syscall rules are refused at load")),
        ]
    }
}
