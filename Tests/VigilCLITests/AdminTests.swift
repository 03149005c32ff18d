import Foundation
import Testing
import VigilAgent
import VigilTestSupport

/// The running agent's admin socket end to end: `vigil query --agent`, `vigil shell
/// --agent` and `vigil debug profile` against a real agent, checked against its state
/// database, its results log, the socket's inode and `go tool pprof`.
@Suite(.ownThread, .serialized) struct AdminTests {
    static let clockConfig = """
        options:
          watchdog_level: -1
          watchdog_restart_delay_max: 1
          admin_query_timeout: 6
          disable_events: true
        schedule:
          clock:
            query: SELECT unix_time FROM time
            interval: 1
        """

    func socketAppears(_ agent: RunningAgent) -> Bool {
        agent.wait(30) { FileManager.default.fileExists(atPath: agent.dataDirectory + "/admin.sock") }
    }

    /// Results the agent logged for `clock`.
    func clockRuns(_ agent: RunningAgent) throws -> [Int64] {
        try agent.results().filter { $0["name"] as? String == "clock" }.compactMap { ($0["unixTime"] as? NSNumber)?.int64Value }
    }

    @Test func queryShowsLiveScheduleAndTheSocketIsPrivate() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        let ran = agent.wait(30) { try clockRuns(agent).count >= 2 }
        try #require(ran, "clock never ran; log:\n\(agent.log)")
        let before = try #require(try agent.store().stats("clock")).executions
        let r = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "--format", "csv",
                              "SELECT name, executions FROM vigil_schedule")
        let after = try #require(try agent.store().stats("clock")).executions
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.first == "name,executions", "\(r.stdout)")
        let row = try #require(lines.dropFirst().first { $0.hasPrefix("clock,") }, "\(r.stdout)")
        let executions = try #require(Int64(row.dropFirst("clock,".count)))
        // Ground truth: the state store's count, read just before and just after.
        #expect(executions > 0 && executions >= before && executions <= after, "\(executions) not in \(before)...\(after)")

        var st = stat()
        #expect(lstat(agent.dataDirectory + "/admin.sock", &st) == 0)
        #expect(st.st_mode & S_IFMT == S_IFSOCK)
        #expect(st.st_mode & 0o777 == 0o600, "mode \(String(st.st_mode & 0o777, radix: 8))")
        let worker = try #require(agent.workerPID)
        var proc = stat()
        #expect(stat("/proc/\(worker)", &proc) == 0)
        #expect(st.st_uid == proc.st_uid, "socket uid \(st.st_uid), agent uid \(proc.st_uid)")
        var dir = stat()
        #expect(stat(agent.dataDirectory, &dir) == 0 && dir.st_mode & 0o777 == 0o700)

        // On SIGTERM the worker stops its admin service, which removes the socket.
        #expect(agent.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: agent.dataDirectory + "/admin.sock"), "\(agent.log)")
        #expect(agent.log.contains("admin socket closed"), "\(agent.log)")
    }

    @Test func badSQLGivesTheSQLErrorAndNoAgentIsSaidClearly() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let bad = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "SELECT nam FROM vigil_schedule")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("Error: no such column: nam"), "\(bad.stderr)")
        #expect(bad.stderr.contains("       ^"), "the caret under the position: \(bad.stderr)")
        let refused = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "CREATE TABLE t(x)")
        #expect(refused.status == 1 && refused.stderr.contains("read-only"), "\(refused.stderr)")

        let empty = agent.dir + "/nowhere"
        let none = try CLI.vigil("query", "--agent", "--data-dir", empty, "SELECT 1")
        #expect(none.status == 2)
        #expect(none.stderr.contains("no agent at \(empty)/admin.sock: is `vigil agent --data-dir \(empty)` running?"), "\(none.stderr)")
        let shell = try CLI.run(["shell", "--agent", "--data-dir", empty], stdin: "SELECT 1;\n")
        #expect(shell.status == 2 && shell.stderr.contains("no agent at"), "\(shell.stderr)")
    }

    /// Another user cannot reach the socket (0600 in a 0700 directory) and is told why;
    /// if the modes are loosened, the agent refuses the peer's uid itself.
    @Test(.requiresRoot) func anotherUserIsRefused() throws {
        try requireRoot()
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        // The temporary directory above the data directory must be passable for nobody.
        chmod(agent.dir, 0o755)
        let r = try CLI.run(["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary,
                             "query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1"], executable: "/usr/bin/setpriv")
        #expect(r.status == 2)
        #expect(r.stderr.contains("permission denied"), "\(r.stderr)")

        // With the file system opened up, the agent itself refuses the peer (SO_PEERCRED).
        chmod(agent.dataDirectory, 0o711)
        chmod(agent.dataDirectory + "/admin.sock", 0o666)
        let peer = try CLI.run(["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary,
                                "query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1"], executable: "/usr/bin/setpriv")
        #expect(peer.status == 2)
        #expect(peer.stderr.contains("only root and the agent's user"), "\(peer.stderr)")
        #expect(agent.log.contains("refused uid 65534"), "\(agent.log)")
    }

    @Test func shellOverTheSocket() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let r = try CLI.run(["shell", "--agent", "--data-dir", agent.dataDirectory],
                            stdin: ".tables vigil_sched\n.mode line\nSELECT name\n  FROM vigil_schedule;\n.schema vigil_watchdog\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("=> vigil_schedule"), "\(r.stdout)")
        #expect(r.stdout.contains("name = clock"), "\(r.stdout)")
        #expect(r.stdout.contains("CREATE TABLE \"vigil_watchdog\""), "\(r.stdout)")
    }

    /// A slow admin query runs on the admin thread: the schedule goes on meanwhile,
    /// and the query is interrupted at admin_query_timeout.
    @Test func schedulerKeepsRunningDuringAnAdminQuery() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let start = Int64(Date().timeIntervalSince1970)
        let r = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, AgentTests.runaway)
        let end = Int64(Date().timeIntervalSince1970)
        #expect(r.status != 0)
        #expect(r.stderr.contains("longer than 6 s and was interrupted"), "\(r.stderr)")
        #expect(end - start >= 5 && end - start < 20, "took \(end - start) s")
        // Give the last run its moment to be logged, then count runs inside the window.
        usleep(1_500_000)
        let during = try clockRuns(agent).filter { $0 > start && $0 < end }
        #expect(during.count >= 3, "clock ran \(during.count) times in \(end - start) s: \(during); log:\n\(agent.log)")
        // And the admin socket still answers.
        let again = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1 AS one")
        #expect(again.status == 0 && again.stdout.contains("one"), "\(again.stderr)")
    }

    /// A client that connects and says nothing delays the next one by the request
    /// window (5 s) at most, and never the worker.
    @Test func aSilentClientIsDropped() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let fd = try Self.silentClient(agent)
        defer { close(fd) }
        let started = Date()
        let r = try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1 AS one")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 8)
    }

    /// A connection to the agent's admin socket that never sends anything.
    static func silentClient(_ agent: RunningAgent) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array((agent.dataDirectory + "/admin.sock").utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path + [0]) }
        let rc = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard rc == 0 else {
            close(fd)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        return fd
    }

    /// Issue 19, item 10: ten clients that connect and say nothing (one at a time they
    /// delayed a query by 50 s) do not delay the next client: each is read on its own.
    @Test func tenSilentClientsDelayNobody() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let silent = try (0..<10).map { _ in try Self.silentClient(agent) }
        defer { silent.forEach { close($0) } }
        let started = Date()
        let r = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1 AS one"], timeout: 60)
        #expect(r.status == 0 && r.stdout.contains("one"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 3, "took \(Date().timeIntervalSince(started)) s")
    }

    @Test func debugProfileWritesPprofAndTheReport() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let path = agent.dir + "/agent.pb.gz"
        let r = try CLI.vigil("debug", "profile", "--data-dir", agent.dataDirectory, "--duration", "2s", "-o", path)
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count > 20 && bytes[0] == 0x1f && bytes[1] == 0x8b, "not gzip")
        #expect(r.stdout.contains("memory:"), "\(r.stdout)")
        #expect(r.stdout.contains("threads:"), "\(r.stdout)")
        #expect(r.stdout.contains("vigil-admin"), "the admin thread by name: \(r.stdout)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/go") {
            let top = try CLI.run(["tool", "pprof", "-top", path], executable: "/usr/bin/go")
            #expect(top.status == 0, "\(top.stderr)")
            #expect(top.stdout.contains("Type: cpu"), "\(top.stdout)")
        }
    }

    /// A socket left by a killed worker is replaced by the next worker; a file at the
    /// socket's path that is not a socket is left alone, and the queries go on.
    @Test func staleSocketIsReplacedAndAStrangerFileIsLeftAlone() throws {
        let agent = try RunningAgent(config: Self.clockConfig)
        try #require(socketAppears(agent), "no admin socket; log:\n\(agent.log)")
        let socket = agent.dataDirectory + "/admin.sock"
        kill(try #require(agent.workerPID), SIGKILL)
        let served = agent.wait(20) { try CLI.vigil("query", "--agent", "--data-dir", agent.dataDirectory, "SELECT 1").status == 0 }
        #expect(served, "the next worker does not serve the socket; log:\n\(agent.log)")

        let second = try #require(agent.workerPID)
        kill(second, SIGKILL)
        unlink(socket)
        #expect(FileManager.default.createFile(atPath: socket, contents: Data("mine".utf8)))
        let refused = agent.wait(20) { agent.log.contains("is not a socket") }
        #expect(refused, "\(agent.log)")
        #expect((try? String(contentsOfFile: socket, encoding: .utf8)) == "mine")
        let third = agent.wait(10) { agent.workerPID.map { $0 != second } ?? false }
        #expect(third)
        let count = try clockRuns(agent).count
        #expect(agent.wait(10) { try clockRuns(agent).count >= count + 2 }, "the schedule stopped; log:\n\(agent.log)")
    }
}
