import Foundation
import Testing
import VigilSystem
import VigilTestSupport

/// hardware_events, user_events, seccomp_events and syslog_events inside the agent,
/// each fed by an event the test causes, seen through scheduled queries.
@Suite(.ownThread, .serialized) struct AgentHostEventTablesTests {
    static func rows(_ name: String, in agent: RunningAgent) throws -> [[String: String]] {
        try agent.results().filter { $0["name"] as? String == name }.compactMap { $0["columns"] as? [String: String] }
    }

    /// Each source is up once vigil_events says so.
    static func active(_ tables: [String], in agent: RunningAgent) -> Bool {
        agent.wait(30) {
            let snapshot = try agent.results().last { $0["name"] as? String == "sources" }?["snapshot"] as? [[String: String]] ?? []
            return tables.allSatisfy { t in snapshot.contains { $0["name"] == t && $0["active"] == "1" } }
        }
    }

    @Test(.requiresRoot) func eventsTheTestCausesReachTheirTables() throws {
        try requireRoot()
        let marker = "vigil-host-\(UUID().uuidString.prefix(8))"
        let pipe = "/tmp/vigil-syslog-\(UUID().uuidString)/syslog_pipe"
        defer { try? FileManager.default.removeItem(atPath: (pipe as NSString).deletingLastPathComponent) }
        let lo = try #require(realpath("/sys/class/net/lo", nil).map { p in defer { free(p) }; return String(cString: p) })
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              enable_syslog: true
              syslog_pipe_path: \(pipe)
            schedule:
              hardware:
                query: SELECT action, path, type, eid FROM hardware_events WHERE path = '\(lo)'
                interval: 1
              user:
                query: SELECT uid, auid, pid, type, message, path, address, terminal FROM user_events WHERE message LIKE '%\(marker)%'
                interval: 1
              seccomp:
                query: SELECT pid, uid, comm, exe, syscall, arch, code, sig FROM seccomp_events WHERE syscall = 'getppid'
                interval: 1
              syslog:
                query: SELECT datetime, time, host, severity, facility, tag, message FROM syslog_events WHERE message LIKE '%\(marker)%'
                interval: 1
              sources:
                query: SELECT name, active, events FROM vigil_events
                interval: 1
                snapshot: true
            """)
        try #require(Self.active(["hardware_events", "user_events", "seccomp_events", "syslog_events"], in: agent), "sources did not start; log:\n\(agent.log)")

        // A uevent: the kernel announces lo again.
        let fd = open("/sys/class/net/lo/uevent", O_WRONLY)
        try #require(fd >= 0)
        #expect(write(fd, "change\n", 7) == 7)
        close(fd)

        // A user record, as libaudit sends one; auditing on for it, then as it was.
        let control = try NetlinkSocket(.audit, groups: 0)
        let before = try AuditRecord.status(control)
        if before.enabled == 0 { try AuditRecord.setEnabled(control, true) }
        try AuditRecord.sendUserMessage(control, type: 1112 /* USER_LOGIN */, text: "op=login id=0 exe=\"/usr/sbin/\(marker)\" hostname=host addr=192.0.2.7 terminal=pts/3 res=success")
        if before.enabled == 0 { try AuditRecord.setEnabled(control, false) }

        // A seccomp filter that logs getppid (SECCOMP_RET_LOG), in a child process.
        let child = try CLI.run(["-c", Self.seccompProgram], executable: "/usr/bin/python3")
        #expect(child.status == 0, "\(child.stderr)")
        let childPID = child.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // A line in osquery's rsyslog template, written to the pipe as rsyslog's ompipe does.
        let line = "\"2026-12-07T04:30:00.123456+00:00\",\"testhost\",\"5\",\"authpriv\",\"sshd[42]:\",\" \(marker) said \"\"hi\"\", twice\"\n"
        let out = open(pipe, O_WRONLY | O_NONBLOCK)
        try #require(out >= 0, "pipe not there: \(pipe)")
        #expect(write(out, line, line.utf8.count) == line.utf8.count)
        close(out)

        #expect(agent.wait(20) { try ["hardware", "user", "seccomp", "syslog"].allSatisfy { !(try Self.rows($0, in: agent)).isEmpty } }, "log:\n\(agent.log)")
        let hardware = try Self.rows("hardware", in: agent)
        #expect(hardware.contains { $0["action"] == "change" && $0["type"] == "net" }, "\(hardware)")
        let user = try Self.rows("user", in: agent)
        #expect(user.count == 1, "\(user)")
        #expect(user.first?["type"] == "1112" && user.first?["path"] == "/usr/sbin/\(marker)")
        #expect(user.first?["address"] == "192.0.2.7" && user.first?["terminal"] == "pts/3")
        #expect(user.first?["pid"] == String(getpid()) && user.first?["uid"] == String(getuid()))
        let allSeccomp = try Self.rows("seccomp", in: agent)
        let seccomp = allSeccomp.filter { $0["pid"] == childPID }
        #expect(seccomp.count == 1, "\(allSeccomp) child \(childPID)")
        #expect(seccomp.first?["code"] == "LOG" && seccomp.first?["arch"] == "X86_64" && seccomp.first?["sig"] == "0")
        #expect(seccomp.first?["comm"]?.hasPrefix("python3") == true && seccomp.first?["exe"]?.contains("python3") == true)
        let syslog = try Self.rows("syslog", in: agent)
        #expect(syslog.count == 1, "\(syslog)")
        #expect(syslog.first?["host"] == "testhost" && syslog.first?["severity"] == "5" && syslog.first?["facility"] == "authpriv")
        #expect(syslog.first?["tag"] == "sshd[42]:" && syslog.first?["message"] == " \(marker) said \"hi\", twice")
        #expect(syslog.first?["time"] == "1796617800", "\(syslog)")
    }

    /// A real rsyslogd (Debian's, started by the test on a socket of its own, not the
    /// host's /dev/log) writes a message that `logger` sends it into the agent's pipe
    /// with osquery's template; it arrives with rsyslog's host, severity, facility, tag.
    @Test(.requiresRoot, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/rsyslogd"), "needs rsyslog (scripts/bootstrap installs it)"))
    func aRealRsyslogdFeedsSyslogEvents() throws {
        try requireRoot()
        let marker = "vigil-rsyslog-\(UUID().uuidString.prefix(8))"
        let dir = "/tmp/vigil-rsyslog-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let agent = try RunningAgent(config: """
            options:
              watchdog_level: -1
              enable_syslog: true
              syslog_pipe_path: \(dir)/syslog_pipe
            schedule:
              syslog:
                query: SELECT host, severity, facility, tag, message FROM syslog_events WHERE message LIKE '%\(marker)%'
                interval: 1
              sources:
                query: SELECT name, active, events FROM vigil_events
                interval: 1
                snapshot: true
            """)
        try #require(Self.active(["syslog_events"], in: agent), "log:\n\(agent.log)")
        let conf = """
            module(load="imuxsock" SysSock.Use="off")
            input(type="imuxsock" Socket="\(dir)/log.sock" CreatePath="on")
            template(name="OsqueryCsvFormat" type="string" string="%timestamp:::date-rfc3339,csv%,%hostname:::csv%,%syslogseverity:::csv%,%syslogfacility-text:::csv%,%syslogtag:::csv%,%msg:::csv%\\n")
            *.* action(type="ompipe" Pipe="\(dir)/syslog_pipe" template="OsqueryCsvFormat")
            """
        try conf.write(toFile: dir + "/rsyslog.conf", atomically: true, encoding: .utf8)
        let rsyslogd = try spawnClean(["/usr/sbin/rsyslogd", "-n", "-f", dir + "/rsyslog.conf", "-i", dir + "/rsyslog.pid"], quiet: true)
        defer { kill(rsyslogd, SIGTERM); _ = reap(rsyslogd) }
        #expect(agent.wait(10) { FileManager.default.fileExists(atPath: dir + "/log.sock") })
        let sent = try CLI.run(["-u", dir + "/log.sock", "-p", "auth.warning", "-t", "vigiltest", "\(marker) said \"hi\", once"], executable: "/usr/bin/logger")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(agent.wait(20) { !(try Self.rows("syslog", in: agent)).isEmpty }, "log:\n\(agent.log)")
        let rows = try Self.rows("syslog", in: agent)
        #expect(rows.count == 1, "\(rows)")
        #expect(rows.first?["severity"] == "4" && rows.first?["facility"] == "auth" && rows.first?["tag"] == "vigiltest:", "\(rows)")
        #expect(rows.first?["message"]?.trimmingCharacters(in: .whitespaces) == "\(marker) said \"hi\", once", "\(rows)")
        #expect(rows.first?["host"] == ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init), "\(rows)")
    }

    /// Python with a seccomp filter: getppid returns SECCOMP_RET_LOG, all else is allowed;
    /// prints its pid after the call.
    static let seccompProgram = """
        import ctypes, struct, os
        libc = ctypes.CDLL(None, use_errno=True)
        def stmt(code, k): return struct.pack("=HBBI", code, 0, 0, k)
        def jump(code, k, jt, jf): return struct.pack("=HBBI", code, jt, jf, k)
        # ld [nr]; jeq 110 (getppid); ret LOG; ret ALLOW
        prog = stmt(0x20, 0) + jump(0x15, 110, 0, 1) + stmt(0x06, 0x7ffc0000) + stmt(0x06, 0x7fff0000)
        buf = ctypes.create_string_buffer(prog)
        class Fprog(ctypes.Structure): _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
        fp = Fprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
        assert libc.prctl(38, 1, 0, 0, 0) == 0                     # PR_SET_NO_NEW_PRIVS
        assert libc.prctl(22, 2, ctypes.byref(fp), 0, 0) == 0       # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        libc.syscall(110)
        print(os.getpid())
        """
}
