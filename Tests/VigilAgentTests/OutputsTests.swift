import Foundation
import Glibc
import Testing
import VigilSQL
import VigilSystem
import VigilTestSupport
@testable import VigilAgent
@testable import VigilOutputs

/// The results outputs besides the log, each checked against a socket or pipe the test
/// owns, and against the results log's own lines.
@Suite(.ownThread) struct OutputsTests {
    let entry = ScheduleEntry(name: "q", query: "SELECT v FROM t", interval: 60, splayedInterval: 60, startDelay: 0,
                              snapshot: false, removed: true, denylist: true)

    /// Runs whose rows change each time, so each logs added and removed lines.
    func recordRuns(_ recorder: ResultsRecorder, count: Int, from start: Int = 0) throws {
        for i in start..<(start + count) {
            let rows: [ResultRow] = (0..<3).map { ["v": "\(i)-\($0)"] }
            _ = try recorder.record(entry, rows: rows, cost: QueryCost(), decorations: [:], at: Int64(1000 + i))
        }
    }

    func logLines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func status(_ store: StateStore, _ kind: OutputKind) throws -> OutputStatus? {
        try store.outputStatus().first { $0.name == kind.rawValue }
    }

    /// Each record is one datagram `<PRI>Mmm dd hh:mm:ss vigil[PID]: JSON` whose JSON is the
    /// log's line; one too large for the socket is dropped and counted with the reason.
    @Test func syslogGetsTheLogsLines() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let daemon = try DatagramListener(path: dir + "/log.sock")
        let store = try StateStore(path: dir + "/state.db")
        let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: dir + "/results.log"),
                                       outputs: [SyslogOutput(path: daemon.path, facility: 19)], hostIdentifier: "h")
        try recordRuns(recorder, count: 3)
        // More than a datagram socket's send buffer (about 208 KiB): EMSGSIZE.
        _ = try recorder.record(entry, rows: [["v": String(repeating: "x", count: 300_000)]], cost: QueryCost(), decorations: [:], at: 2000)
        try recordRuns(recorder, count: 2, from: 10)

        var messages: [String] = []
        // A datagram socket queues few messages (net.unix.max_dgram_qlen): read as it goes.
        #expect(waitUntil(10) {
            messages += daemon.drain()
            recorder.deliverOutputs()
            return (try? status(store, .syslog)?.pendingRecords) == 0
        })
        messages += daemon.drain()

        let pattern = /^<158>[A-Z][a-z]{2} [ 123]\d \d\d:\d\d:\d\d vigil\[(\d+)\]: (.*)$/
        var jsons: [String] = []
        for message in messages {
            let match = try #require(try pattern.wholeMatch(in: message), "\(message.prefix(80))")
            #expect(Int32(match.1) == getpid())
            jsons.append(String(match.2))
        }
        let logged = try logLines(dir + "/results.log")
        #expect(logged.count == 3 + 6 + 6 + (1 + 3) + (3 + 1) + 6)
        // The large row is logged twice (added, then removed); syslog gets neither.
        let expected = logged.filter { $0.utf8.count < 300_000 }
        #expect(expected.count == logged.count - 2)
        let same = jsons == expected  // (not in #expect: it would print 600 KB)
        #expect(same, "\(jsons.count) messages, \(expected.count) expected")

        let s = try #require(try status(store, .syslog))
        #expect(s.deliveredRecords == Int64(expected.count))
        #expect(s.droppedRecords == 2)
        #expect(s.lastError?.contains("EMSGSIZE") == true)
        #expect(try store.pendingOutbox().isEmpty)
    }

    @Test func syslogHeaderIsGlibcs() {
        // 2026-11-21 21:08:51 UTC, formatted in local time as syslog(3) does.
        let header = SyslogOutput.header(priority: 4 * 8 + 6, time: 1_795_295_331, pid: 42)
        #expect(header.wholeMatch(of: #/<38>Nov [ 23]\d \d\d:\d\d:51 vigil\[42\]: /#) != nil, "\(header)")
        #expect(SyslogOutput(facility: 0).priority == 6)
    }

    /// A collector the test listens as gets the log's lines, in order.
    @Test func tcpGetsTheLogsLines() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let collector = try TCPListener()
        let store = try StateStore(path: dir + "/state.db")
        let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: dir + "/results.log"),
                                       outputs: [TCPOutput(endpoint: TCPEndpoint(host: "127.0.0.1", port: collector.port))], hostIdentifier: "h")
        try recordRuns(recorder, count: 4)
        #expect(waitUntil(10) {
            collector.poll()
            recorder.deliverOutputs()
            return (try? status(store, .tcp)?.pendingRecords) == 0
        })
        collector.poll()
        let logged = try logLines(dir + "/results.log")
        #expect(collector.lines == logged)
        let s = try #require(try status(store, .tcp))
        #expect(s.deliveredRecords == Int64(logged.count))
        #expect(s.deliveredBytes == Int64(logged.reduce(0) { $0 + $1.utf8.count + 1 }))
        #expect(s.lastDelivery != nil && s.droppedRecords == 0)
        #expect(try store.pendingOutbox().isEmpty)
    }

    /// The collector is down for the first runs: the log is not held up, the records
    /// wait, and when it comes up every record arrives once, in order.
    @Test func tcpDownThenUp() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let port = try TCPListener.freePort()
        let store = try StateStore(path: dir + "/state.db")
        let tcp = TCPOutput(endpoint: TCPEndpoint(host: "localhost", port: port), backoff: (0.05, 0.2))
        let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: dir + "/results.log"), outputs: [tcp], hostIdentifier: "h")
        try recordRuns(recorder, count: 3)
        let messages = recorder.deliverOutputs()
        let logged = try logLines(dir + "/results.log")
        #expect(logged.count == 3 + 2 * 6, "the log got every run while the collector was down")
        let waiting = try #require(try status(store, .tcp))
        #expect(waiting.pendingRecords == Int64(logged.count) && waiting.deliveredRecords == 0)
        #expect(waiting.lastError?.contains("refused") == true, "\(waiting.lastError ?? "")")
        #expect(try status(store, .filesystem)?.pendingRecords == 0)
        #expect(messages.isEmpty, "the same error is reported once")

        let collector = try TCPListener(port: port)
        try recordRuns(recorder, count: 2, from: 3)
        #expect(waitUntil(10) {
            collector.poll()
            recorder.deliverOutputs()
            return (try? status(store, .tcp)?.pendingRecords) == 0
        })
        collector.poll()
        let all = try logLines(dir + "/results.log")
        #expect(collector.lines == all)
        #expect(collector.connectionCount == 1)
        #expect(try status(store, .tcp)?.deliveredRecords == Int64(all.count))
        #expect(try store.pendingOutbox().isEmpty)
    }

    /// A collector that does not read for a while: the socket fills in the middle of a
    /// record, the rest goes later, and every line arrives whole, once, in order.
    @Test func tcpSlowCollectorGetsWholeLines() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let collector = try TCPListener()
        let store = try StateStore(path: dir + "/state.db")
        let tcp = TCPOutput(endpoint: TCPEndpoint(host: "127.0.0.1", port: collector.port), maxPendingBytes: 64 << 20)
        let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: dir + "/results.log", syncWrites: false), outputs: [tcp], hostIdentifier: "h")
        let big = String(repeating: "y", count: 100_000)
        for i in 0..<10 {
            // Nobody reads yet: the loopback's buffers fill.
            _ = try recorder.record(entry, rows: (0..<3).map { ["v": "\(i)-\($0)-" + big] }, cost: QueryCost(), decorations: [:], at: Int64(1000 + i))
        }
        #expect(try status(store, .tcp)?.pendingRecords ?? 0 > 0, "the socket filled")
        #expect(waitUntil(20) {
            collector.poll()
            recorder.deliverOutputs()
            return (try? status(store, .tcp)?.pendingRecords) == 0
        })
        collector.poll()
        let logged = try logLines(dir + "/results.log")
        let same = collector.lines == logged  // (not in #expect: it would print megabytes)
        #expect(same, "\(collector.lines.count) lines received, \(logged.count) logged")
        #expect(collector.connectionCount == 1)
    }

    /// A collector that stays down holds no more than its cap: the oldest records go,
    /// counted, and the newest arrive when it is back.
    @Test func tcpCapDropsTheOldest() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let port = try TCPListener.freePort()
        let store = try StateStore(path: dir + "/state.db")
        let tcp = TCPOutput(endpoint: TCPEndpoint(host: "127.0.0.1", port: port), maxPendingBytes: 4096, backoff: (0.05, 0.2))
        let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: dir + "/results.log"), outputs: [tcp], hostIdentifier: "h")
        // The messages the agent logs. Not vigil_outputs' last_error alone: when the run
        // is slow, a reconnect attempt after the backoff replaces the drop with "refused".
        var messages: [String] = []
        for i in 0..<20 {
            let rows: [ResultRow] = (0..<3).map { ["v": "\(i)-\($0)"] }
            messages += try recorder.record(entry, rows: rows, cost: QueryCost(), decorations: [:], at: Int64(1000 + i)).outputMessages
        }
        #expect(try store.outboxBytes(after: 0) <= 4096, "the outbox is bounded")
        let s = try #require(try status(store, .tcp))
        #expect(s.droppedRecords > 0)
        #expect(messages.contains { $0.contains("oldest records") }, "\(messages)")

        let collector = try TCPListener(port: port)
        #expect(waitUntil(10) {
            collector.poll()
            recorder.deliverOutputs()
            return (try? status(store, .tcp)?.pendingRecords) == 0
        })
        collector.poll()
        let logged = try logLines(dir + "/results.log")
        let after = try #require(try status(store, .tcp))
        #expect(Int64(collector.lines.count) + after.droppedRecords == Int64(logged.count))
        #expect(collector.lines == Array(logged.suffix(collector.lines.count)), "what arrives is the newest, in order")
    }

    /// Without `filesystem`, no log is written; stdout (here a pipe the test reads) gets the lines.
    @Test func stdoutWithoutTheLog() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        defer { close(ends[0]); close(ends[1]) }
        let store = try StateStore(path: dir + "/state.db")
        let recorder = ResultsRecorder(store: store, log: nil, outputs: [StdoutOutput(fd: ends[1])], hostIdentifier: "h")
        try recordRuns(recorder, count: 2)
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = read(ends[0], &buffer, buffer.count)
        let lines = try jsonLines(text: String(decoding: buffer.prefix(max(0, n)), as: UTF8.self))
        #expect(lines.map { $0["counter"] as? Int } == [0, 0, 0, 1, 1, 1, 1, 1, 1])
        #expect(lines.allSatisfy { $0["name"] as? String == "q" })
        #expect(try store.outputStatus().map(\.name) == ["stdout"])
        #expect(try store.pendingOutbox().isEmpty)
    }

    /// `vigil_outputs` shows each output in force.
    @Test func outputsTable() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let store = try StateStore(path: dir + "/state.db")
        let tcp = TCPOutput(endpoint: TCPEndpoint(host: "127.0.0.1", port: try TCPListener.freePort()))
        let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: dir + "/results.log"), outputs: [tcp], hostIdentifier: "h")
        try recordRuns(recorder, count: 1)
        let view = AgentStateView(statePath: dir + "/state.db", schedule: Schedule(config: AgentConfig(), hostIdentifier: "h"), startTime: 0)
        let rows = try Database(tables: [OutputsTable(view: view)]).query("SELECT * FROM vigil_outputs ORDER BY name")
        #expect(rows.map { $0["name"]?.text } == ["filesystem", "tcp"])
        #expect(rows[0]["delivered_records"]?.integer == 3 && rows[0]["pending_records"]?.integer == 0)
        #expect(rows[1]["delivered_records"]?.integer == 0 && rows[1]["pending_records"]?.integer == 3)
        #expect(rows[1]["last_error"]?.text?.contains("127.0.0.1") == true)
    }

    @Test func loggerOptions() throws {
        func options(_ text: String) throws -> AgentOptions {
            try ConfigLoader.parse("options:\n" + text, file: "o.yaml").config.options
        }
        #expect(try options("  some: 1").loggerPlugins == [.filesystem])
        let o = try options("  logger_plugin: filesystem, syslog,tcp,syslog\n  logger_tcp_endpoint: \"[::1]:9000\"\n  logger_syslog_facility: 4")
        #expect(o.loggerPlugins == [.filesystem, .syslog, .tcp])
        #expect(o.loggerTCPEndpoint == TCPEndpoint(host: "::1", port: 9000))
        #expect(o.loggerSyslogFacility == 4)
        #expect(try options("  logger_plugin: tcp\n  logger_tcp_endpoint: collector.example:5170").loggerTCPEndpoint == TCPEndpoint(host: "collector.example", port: 5170))

        func refusal(_ text: String) -> String {
            do {
                _ = try options(text)
                return "accepted"
            } catch { return "\(error)" }
        }
        let bad = refusal("  logger_plugin: filesystem,kafka")
        #expect(bad.contains("'kafka'") && bad.contains("filesystem, syslog, stdout, tcp"), "\(bad)")
        #expect(refusal("  logger_plugin: tcp").contains("logger_tcp_endpoint is not set"))
        #expect(refusal("  logger_plugin: tcp\n  logger_tcp_endpoint: \"::1:9000\"").contains("brackets"))
        #expect(refusal("  logger_tcp_endpoint: host:0").contains("port"))
        #expect(refusal("  logger_syslog_facility: 24").contains("logger_syslog_facility"))
    }
}
