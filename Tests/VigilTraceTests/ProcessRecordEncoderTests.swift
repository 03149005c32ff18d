import CVigilBPF
import Foundation
import Testing
import VigilSystem
@testable import VigilTrace
import VigilTestSupport

/// Process records written straight from the record (no rules) against the decoded
/// path (a rule that writes everything): the same lines, byte for byte, and the right
/// executable on each, through a process's whole life.
@Suite(.ownThread) struct ProcessRecordEncoderTests {
    func header(_ kind: vigil_event_kind, pid: UInt32, comm: String, time: UInt64) -> vigil_event_header {
        var h = vigil_event_header()
        h.kind = UInt32(kind.rawValue)
        h.pid = pid; h.tid = pid; h.ppid = 500; h.uid = 1000; h.gid = 1001
        h.cgroup_id = 42; h.timestamp_ns = time
        withUnsafeMutableBytes(of: &h.comm) { buf in for (i, b) in comm.utf8.prefix(15).enumerated() { buf[i] = b } }
        return h
    }

    func bytes<T>(_ value: T) -> [UInt8] {
        var v = value
        return withUnsafeBytes(of: &v) { Array($0) }
    }

    func exec(pid: UInt32, comm: String, filename: String, exe: String, args: [UInt8], truncated: Bool, time: UInt64) -> [UInt8] {
        var e = vigil_exec_event()
        e.header = header(VIGIL_EVENT_EXEC, pid: pid, comm: comm, time: time)
        e.filename_len = UInt32(filename.utf8.count)
        e.exe_len = UInt32(exe.utf8.count)
        e.args_len = UInt32(args.count)
        e.args_truncated = truncated ? 1 : 0
        var record = bytes(e)
        for (field, value) in [(\vigil_exec_event.filename, Array(filename.utf8)), (\.exe, Array(exe.utf8)), (\.args, args)] {
            let offset = MemoryLayout<vigil_exec_event>.offset(of: field)!
            record.replaceSubrange(offset..<(offset + value.count), with: value)
        }
        return record
    }

    /// A shell forks a child that execs a program, which execs another build of the same
    /// name (same pid and comm, new executable), then is killed; its pid is reused.
    func life() -> [[UInt8]] {
        var fork = vigil_fork_event()
        fork.header = header(VIGIL_EVENT_FORK, pid: 500, comm: "sh", time: 1_000)
        fork.child_pid = 501
        var killed = vigil_exit_event()
        killed.header = header(VIGIL_EVENT_EXIT, pid: 501, comm: "python3", time: 4_000)
        killed.exit_code = 9
        killed.lifetime_ns = 3_000
        var reused = vigil_fork_event()
        reused.header = header(VIGIL_EVENT_FORK, pid: 500, comm: "sh", time: 5_000)
        reused.child_pid = 501
        var exited = vigil_exit_event()
        exited.header = header(VIGIL_EVENT_EXIT, pid: 501, comm: "sh", time: 6_000)
        exited.exit_code = 3 << 8
        exited.lifetime_ns = 1_000
        return [
            bytes(fork),
            exec(pid: 501, comm: "python3", filename: "/usr/bin/python3", exe: "/usr/bin/python3.11",
                 args: Array("python3\0-c\0print(\"a\\tb\")\0é\0".utf8), truncated: false, time: 2_000),
            exec(pid: 501, comm: "python3", filename: "./python3", exe: "/opt/venv/bin/python3",
                 args: Array("python3\0-m\0htt".utf8), truncated: true, time: 3_000),
            bytes(killed), bytes(reused), bytes(exited),
        ]
    }

    /// Every record through one pipeline, the lines it wrote.
    func lines(_ records: [[UInt8]], judge: ((TraceEvent) -> Verdict)?, writer: EventWriter, cache: ProcessCache, file: String) throws -> [String] {
        let pipeline = TracePipeline(decoder: EventDecoder(catalog: SyscallCatalog()), cache: cache, writer: writer, judge: judge)
        let before = (try? Data(contentsOf: URL(fileURLWithPath: file)).count) ?? 0
        for r in records { r.withUnsafeBytes { pipeline.consume($0) } }
        pipeline.flush()
        let all = try Data(contentsOf: URL(fileURLWithPath: file))
        return String(decoding: all.dropFirst(before), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func sameLinesAsTheDecodedPathAndTheRightExecutables() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-process-\(UUID().uuidString)").path
        defer { unlink(file) }
        let output = try Output(path: file)
        // One writer, so both paths turn boot time into wall time with the same offset.
        let writer = EventWriter(out: output, format: .json, cache: ProcessCache())
        let fast = try lines(life(), judge: nil, writer: writer, cache: ProcessCache(), file: file)
        let slow = try lines(life(), judge: { _ in Verdict(write: true) }, writer: writer, cache: ProcessCache(), file: file)
        #expect(fast.count == 6)
        #expect(fast == slow)
        let events = try fast.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not JSON: \($0)") }
        #expect(events.map { $0["exe"] as? String } == [
            "", "/usr/bin/python3.11", "/opt/venv/bin/python3", "/opt/venv/bin/python3", "", "",
        ])
        #expect(events[1]["argv"] as? [String] == ["python3", "-c", "print(\"a\\tb\")", "é"])
        #expect(events[2]["argv"] as? [String] == ["python3", "-m", "htt"] && events[2]["args_truncated"] as? Bool == true)
        #expect(events[3]["signal"] as? Int == 9 && events[3]["exit_code"] is NSNull)
        #expect(events[5]["exit_code"] as? Int == 3 && events[5]["signal"] is NSNull)
    }

    /// Exec, fork and exit records the sensor sends only for the process cache (the
    /// kinds were not asked for): the cache learns from them, nothing is written or
    /// counted. An exec record for the cache alone ends where argv would start; one
    /// cut shorter than the argv it claims is undecodable, on both paths.
    @Test func recordsForTheCacheAloneAreNotWritten() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-process-\(UUID().uuidString)").path
        defer { unlink(file) }
        let writer = EventWriter(out: try Output(path: file), format: .json, cache: ProcessCache())
        let argsOffset = MemoryLayout<vigil_exec_event>.offset(of: \.args)!
        let short = Array(exec(pid: 501, comm: "python3", filename: "/usr/bin/python3", exe: "/usr/bin/python3.11",
                               args: [], truncated: false, time: 2_000).prefix(argsOffset))
        let claimsArgs = Array(exec(pid: 502, comm: "cat", filename: "/bin/cat", exe: "/usr/bin/cat",
                                    args: Array("cat\0".utf8), truncated: false, time: 3_000).prefix(argsOffset))
        for judge in [nil, { (_: TraceEvent) in Verdict(write: true) }] as [((TraceEvent) -> Verdict)?] {
            let cache = ProcessCache()
            let pipeline = TracePipeline(decoder: EventDecoder(catalog: SyscallCatalog()), cache: cache, writer: writer,
                                         judge: judge, processKinds: [])
            for r in [short, claimsArgs] { r.withUnsafeBytes { pipeline.consume($0) } }
            pipeline.flush()
            #expect(cache[501]?.exe == "/usr/bin/python3.11")
            #expect(cache[502] == nil)
            #expect(pipeline.undecodable == 1)
            #expect(pipeline.counts.isEmpty)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)).isEmpty, "nothing written")
    }

    @Test func summaryNamesLossesOfRecordsForTheCache() {
        var summary = TraceSummary()
        summary.kinds = [.open]
        summary.events = [.open: 12]
        summary.lostInKernel = [.open: 2, .exec: 1, .fork: 0]
        #expect(summary.text.contains("lost: 3 in the kernel (ring buffer full) [open 2, exec 1 (process cache)]"), "\(summary.text)")
    }

    @Test func summaryNamesSkippedProgramsAndConnectionsStillClosing() {
        var summary = TraceSummary()
        summary.kinds = [.close]
        #expect(summary.text.contains("skipped by the kernel: 0 (a program already running on its CPU)"), "\(summary.text)")
        #expect(!summary.text.contains("still closing"))
        summary.skippedByKernel = ["handle_tcp_state": 2, "accept_exit": 1]
        summary.connectionsClosing = 2
        #expect(summary.text.contains("skipped by the kernel: 3 (a program already running on its CPU) [accept_exit 1, handle_tcp_state 2]"), "\(summary.text)")
        #expect(summary.text.contains("still closing when tracing stopped: 2 connections (close not reported)"), "\(summary.text)")
    }
}
