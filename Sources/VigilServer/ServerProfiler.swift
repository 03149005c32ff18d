import Foundation
import Hummingbird
import Logging
import VigilProfileFormats
import VigilServerStore
import VigilSystem

/// "Profile the server for 30 s" (Velociraptor's Server.Monitor.Profile): the server runs
/// Vigil's profiler on itself as a child process, `vigil profile --pid SELF`, and stores
/// the pprof as a profile under its own name. A child, so the fleet side never loads eBPF
/// itself and a profiler that fails cannot take the server down. It needs what the
/// profiler needs (root, or CAP_BPF and CAP_PERFMON); without it the profile fails with
/// the profiler's own reason.
actor ServerProfiler {
    /// The longest profile a server takes of itself: a child left behind by a killed
    /// server stops by itself within this.
    static let maxSeconds = 120

    let executable: String?
    let store: any ServerStore
    let serverName: String
    let directory: String
    let logger: Logger
    /// The profile being taken: one at a time. Its id is 0 and pid 0 while it is being
    /// stored and started (the actor may take another request at each `await` meanwhile).
    private var running: (id: Int64, pid: pid_t)?

    init(executable: String?, store: any ServerStore, serverName: String, directory: String, logger: Logger) {
        self.executable = executable
        self.store = store
        self.serverName = serverName
        self.directory = directory
        self.logger = logger
    }

    /// Start a profile of this server; its id. The profile is stored when the child ends.
    func start(seconds: Int, frequency: Int) async throws -> Int64 {
        guard let executable else {
            throw HTTPError(.badRequest, message: "this server was started without Vigil's profiler (only `vigil server` and `vigil up` can profile themselves)")
        }
        guard (1...Self.maxSeconds).contains(seconds), (1...1000).contains(frequency) else {
            throw HTTPError(.badRequest, message: "seconds is 1 to \(Self.maxSeconds), frequency 1 to 1000 Hz")
        }
        if let running {
            throw HTTPError(.conflict, message: running.id == 0 ? "a profile of this server is starting" : "profile \(running.id) of this server is still being taken")
        }
        running = (0, 0)
        let id: Int64
        do { id = try await store.requestServerProfile(server: serverName, seconds: seconds, frequency: frequency, at: FleetContext.now()) } catch {
            running = nil
            throw error
        }
        let output = directory + "/server-profile-\(id).pb.gz", log = directory + "/server-profile-\(id).log"
        let pid: pid_t
        do {
            pid = try ChildProcess.spawn([executable, "profile", "--pid", "\(getpid())", "--duration", "\(seconds)s", "--frequency", "\(frequency)",
                                          "--format", "pprof", "--output", output], log: log)
        } catch {
            running = nil
            // The profile says why: its page and the API show it as failed.
            _ = try await store.storeProfile(id: id, hostID: 0, pprof: nil, report: nil, samples: nil, error: "the profiler did not start: \(error)",
                                             at: FleetContext.now())
            return id
        }
        running = (id, pid)
        logger.info("profiling this server", metadata: ["profile": "\(id)", "seconds": "\(seconds)", "profiler_pid": "\(pid)"])
        // waitpid blocks: on a thread of its own, not one of the cooperative pool's two.
        do {
            try NamedThread.start("vigil-srv-prof") { [self] in
                let status = ChildProcess.waitForExit(pid)
                Task { await self.finish(id: id, status: status, output: output, log: log) }
            }.detach()
        } catch {
            // No thread to wait with: the profile is given up rather than left running unwatched.
            kill(pid, SIGKILL)
            await finish(id: id, status: ChildProcess.waitForExit(pid), output: output, log: log)
        }
        return id
    }

    /// The child ended: store its profile, or the reason it has none.
    private func finish(id: Int64, status: Int32?, output: String, log: String) async {
        running = nil
        defer {
            unlink(output)
            unlink(log)
        }
        var pprof: [UInt8]?, samples: Int?, error: String?
        if status == 0, let bytes = FileManager.default.contents(atPath: output) {
            pprof = [UInt8](bytes)
            samples = (try? Gzip.decompress([UInt8](bytes), limit: 256 << 20)).flatMap { try? PprofReader.stacks($0) }.map { Int($0.total) }
        } else {
            // The profiler's last words say why (no privilege, no BTF, ...).
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let last = text.split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init) ?? ""
            error = "the profiler exited with status \(status.map(String.init) ?? "?")" + (last.isEmpty ? "" : ": " + String(last.prefix(500)))
        }
        do {
            _ = try await store.storeProfile(id: id, hostID: 0, pprof: pprof, report: nil, samples: samples, error: error, at: FleetContext.now())
        } catch {
            logger.error("the server's profile \(id) was not stored: \(error)")
        }
    }

    /// On shutdown: the profiler stops now (SIGINT ends it as Ctrl-C does).
    func stop() {
        if let running, running.pid > 0 { kill(running.pid, SIGINT) }
    }
}
