import CVigilBPF
import Testing
@testable import VigilTrace
import VigilTestSupport

/// The decoder against records laid out by the C header itself.
@Suite(.ownThread) struct DecoderTests {
    func record<T>(_ value: T, _ fill: (UnsafeMutableRawPointer) -> Void = { _ in }) -> [UInt8] {
        var v = value
        var bytes = withUnsafeBytes(of: &v) { Array($0) }
        bytes.withUnsafeMutableBytes { fill($0.baseAddress!) }
        return bytes
    }

    func header(_ kind: vigil_event_kind) -> vigil_event_header {
        var h = vigil_event_header()
        h.kind = UInt32(kind.rawValue)
        h.pid = 100; h.tid = 101; h.ppid = 1; h.uid = 1000; h.gid = 1001
        h.cgroup_id = 42; h.timestamp_ns = 123
        withUnsafeMutableBytes(of: &h.comm) { buf in
            for (i, b) in "bash".utf8.enumerated() { buf[i] = b }
        }
        return h
    }

    @Test func exec() throws {
        var e = vigil_exec_event()
        e.header = header(VIGIL_EVENT_EXEC)
        let path = Array("/usr/bin/env".utf8)
        let args = Array("env\0-i\0x=1\0".utf8)
        e.filename_len = UInt32(path.count)
        e.args_len = UInt32(args.count)
        e.args_truncated = 1
        let bytes = record(e) { base in
            let f = MemoryLayout<vigil_exec_event>.offset(of: \.filename)!
            let a = MemoryLayout<vigil_exec_event>.offset(of: \.args)!
            for (i, b) in path.enumerated() { base.storeBytes(of: b, toByteOffset: f + i, as: UInt8.self) }
            for (i, b) in args.enumerated() { base.storeBytes(of: b, toByteOffset: a + i, as: UInt8.self) }
        }
        let event = try #require(bytes.withUnsafeBytes { ProcessEventDecoder.decode($0) })
        #expect(event.kind == .exec)
        #expect(event.pid == 100 && event.header.tid == 101 && event.ppid == 1 && event.header.uid == 1000 && event.header.gid == 1001)
        #expect(event.comm == "bash")
        #expect(event.header.cgroupID == 42)
        #expect(event.filename == "/usr/bin/env")
        #expect(event.argv == ["env", "-i", "x=1"])
        #expect(event.argsTruncated)
    }

    @Test func exitCodeAndSignal() throws {
        var e = vigil_exit_event()
        e.header = header(VIGIL_EVENT_EXIT)
        e.exit_code = 7 << 8
        e.lifetime_ns = 5_000
        let normal = try #require(record(e).withUnsafeBytes { ProcessEventDecoder.decode($0) })
        #expect(normal.exitCode == 7 && normal.signal == nil && normal.lifetimeNanoseconds == 5_000)
        e.exit_code = 9  // SIGKILL
        let killed = try #require(record(e).withUnsafeBytes { ProcessEventDecoder.decode($0) })
        #expect(killed.exitCode == nil && killed.signal == 9)
    }

    @Test func fork() throws {
        var e = vigil_fork_event()
        e.header = header(VIGIL_EVENT_FORK)
        e.child_pid = 555
        let event = try #require(record(e).withUnsafeBytes { ProcessEventDecoder.decode($0) })
        #expect(event.kind == .fork && event.childPID == 555)
    }

    @Test func shortOrUnknownRecordsAreRejected() {
        var h = header(VIGIL_EVENT_EXEC)
        #expect(record(h).withUnsafeBytes { ProcessEventDecoder.decode($0) } == nil)  // header only
        h.kind = 99
        #expect(record(h).withUnsafeBytes { ProcessEventDecoder.decode($0) } == nil)
        #expect([UInt8](repeating: 0, count: 8).withUnsafeBytes { ProcessEventDecoder.decode($0) } == nil)
    }
}

@Suite(.ownThread) struct HumanFormatTests {
    @Test func durationsReadAtAGlance() {
        #expect(EventWriter.duration(145_000) == "145 µs")
        #expect(EventWriter.duration(20_812_345) == "20.8 ms")
        #expect(EventWriter.duration(4_567_000_000) == "4.56 s")
    }
}
