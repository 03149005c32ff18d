import ArgumentParser
import Glibc
import Logging
import ServiceLifecycle
import VigilServer
import VigilSystem

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start a fleet server with its embedded database and a local agent enrolled to it.",
        discussion: """
        The server's files are under DATA_DIR, the local agent's under DATA_DIR/agent (its log in DATA_DIR/agent.log).
        The agent talks to the server as any agent would: over HTTPS with the generated CA, the enroll secret, the
        config, results and live queries of osquery's TLS API. Ctrl-C stops both.
        """
    )

    @OptionGroup var server: ServerArguments

    func run() async throws {
        Vigil.bootstrapLogging(verbose: server.verbose, level: .info, chosen: server.logLevel)
        umask(0o077)
        let logger = Logger(label: "vigil.up")
        let fleet = try await FleetServer.prepare(try server.configuration(), logger: logger)
        let agent = LocalAgentService(fleet: fleet, logger: logger)
        let service = try await fleet.makeService { ports in
            await agent.start(port: ports.agents)
            ServerBanner.print(fleet, ports: ports, agentFlags: agent.flagfile)
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: service), .init(service: agent)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The local agent of `vigil up`: a `vigil agent` process (supervisor and worker, as on
/// any host) started once the server listens, enrolled to it through a flagfile, and
/// stopped with SIGTERM when `up` stops.
final class LocalAgentService: Service, @unchecked Sendable {
    // @unchecked: `pid` is set once by `start` before `run` reads it; `started` orders them.
    let fleet: FleetServer
    let logger: Logger
    let flagfile: String
    private var pid: pid_t = 0
    private let started: AsyncStream<Void>
    private let startedContinuation: AsyncStream<Void>.Continuation

    init(fleet: FleetServer, logger: Logger) {
        self.fleet = fleet
        self.logger = logger
        flagfile = fleet.configuration.dataDirectory + "/agent.flags"
        (started, startedContinuation) = AsyncStream<Void>.makeStream()
    }

    /// Write the flagfile for `port` and start the agent.
    func start(port: Int) async {
        let dir = fleet.configuration.dataDirectory
        let host = fleet.configuration.host == "0.0.0.0" || fleet.configuration.host == "::" ? "127.0.0.1" : fleet.configuration.host
        var flags = [
            "# Written by vigil up: how the local agent reaches its server (osquery's flags).",
            "--tls_hostname=\(host.contains(":") ? "[\(host)]" : host):\(port)",
            "--enroll_secret_path=\(fleet.enrollSecretPath)",
            "--config_plugin=tls",
            "--config_refresh=60",
            "--logger_plugin=filesystem,tls",
            "--logger_tls_period=4",
            "--disable_distributed=false",
            "--distributed_plugin=tls",
            "--distributed_interval=10",
        ]
        if let ca = fleet.tls.caPath { flags.append("--tls_server_certs=\(ca)") }
        do {
            try FileSystem.writeAtomically(Array((flags.joined(separator: "\n") + "\n").utf8), to: flagfile, mode: 0o600)
            let exe = try FileSystem.readLink("/proc/self/exe")
            pid = try ChildProcess.spawn([exe, "agent", "--flagfile", flagfile, "--data-dir", dir + "/agent"], log: dir + "/agent.log")
            logger.info("local agent started", metadata: ["pid": "\(pid)", "log": "\(dir)/agent.log"])
        } catch {
            logger.error("the local agent did not start: \(error); the server goes on")
        }
        startedContinuation.yield()
        startedContinuation.finish()
    }

    func run() async throws {
        for await _ in started.cancelOnGracefulShutdown() {}
        guard pid > 0 else { return }
        // Asleep on the agent's pidfd until it ends (it should not) or `up` stops.
        let exit: PidFD
        do { exit = try PidFD(pid) } catch {
            logger.error("cannot watch the local agent (\(error)); it is stopped with the server")
            try? await gracefulShutdown()
            await stop(pid: pid, exit: nil)
            return
        }
        if await cancelWhenGracefulShutdown({ await exit.exited() }) {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            logger.error("the local agent ended (status \(status)); see \(fleet.configuration.dataDirectory)/agent.log")
            return
        }
        await stop(pid: pid, exit: exit)
    }

    /// SIGTERM; the agent stops its worker within its own grace period (30 s), so give it
    /// a little longer, then SIGKILL. Reaps it (without a pidfd, waiting as long as it takes).
    func stop(pid: pid_t, exit: PidFD?) async {
        kill(pid, SIGTERM)
        if let exit, await !exit.exited(timeout: 35) { kill(pid, SIGKILL) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
