import Benchmark
import CVigilBPF
import Glibc
import VigilSystem
import VigilTrace

/// User-space throughput of `vigil trace`: records as the kernel lays them out
/// (exec, fork, exit; open), decoded in place, enriched by the process cache and
/// written as JSON lines to /dev/null, on one core. Goal (issue 3): at least
/// 1,000,000 events/s.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 2_000_000
    )

    func bytes<T>(_ value: T) -> [UInt8] {
        var v = value
        return withUnsafeBytes(of: &v) { Array($0) }
    }

    func header(_ kind: vigil_event_kind, pid: UInt32) -> vigil_event_header {
        var h = vigil_event_header()
        h.kind = UInt32(kind.rawValue)
        h.pid = pid; h.tid = pid; h.ppid = 1; h.uid = 1000; h.gid = 1000
        h.cgroup_id = 1234; h.timestamp_ns = 1_000_000_000
        withUnsafeMutableBytes(of: &h.comm) { for (i, b) in "worker".utf8.enumerated() { $0[i] = b } }
        return h
    }

    // A fork, an exec with a typical command line, and an exit: one process's life.
    var fork = vigil_fork_event()
    fork.header = header(VIGIL_EVENT_FORK, pid: 500)
    fork.child_pid = 501
    var exec = vigil_exec_event()
    exec.header = header(VIGIL_EVENT_EXEC, pid: 501)
    let path = Array("/usr/bin/python3".utf8)
    let args = Array("python3\0-m\0http.server\0--bind\0127.0.0.1\0".utf8)
    exec.filename_len = UInt32(path.count)
    exec.args_len = UInt32(args.count)
    var execBytes = bytes(exec)
    let fOff = MemoryLayout<vigil_exec_event>.offset(of: \.filename)!
    let aOff = MemoryLayout<vigil_exec_event>.offset(of: \.args)!
    execBytes.replaceSubrange(fOff..<(fOff + path.count), with: path)
    execBytes.replaceSubrange(aOff..<(aOff + args.count), with: args)
    var exit = vigil_exit_event()
    exit.header = header(VIGIL_EVENT_EXIT, pid: 501)
    exit.lifetime_ns = 12_345
    let records = [bytes(fork), execBytes, bytes(exit)]

    func pipeline(_ catalog: SyscallCatalog = SyscallCatalog()) -> TracePipeline {
        let devNull = open("/dev/null", O_WRONLY)
        let cache = ProcessCache()
        let writer = EventWriter(out: Output(fd: devNull, closeOnDeinit: true), format: .json, cache: cache)
        return TracePipeline(decoder: EventDecoder(catalog: catalog), cache: cache, writer: writer)
    }

    // An openat record as the file sensor writes it: path as passed and resolved.
    let catalog = SyscallCatalog()
    catalog.register(SyscallDescription(name: "openat", number: 257, arguments: [
        SyscallArgument(name: "dfd", type: "int", kind: .signed(bits: 32)),
        SyscallArgument(name: "filename", type: "const char *", kind: .string),
        SyscallArgument(name: "flags", type: "int", kind: .signed(bits: 32)),
        SyscallArgument(name: "mode", type: "umode_t", kind: .unsigned(bits: 16)),
    ]))
    var openEvent = vigil_syscall_event()
    withUnsafeMutableBytes(of: &openEvent.header) { raw in
        withUnsafeBytes(of: header(VIGIL_EVENT_OPEN, pid: 501)) { raw.copyMemory(from: $0) }
    }
    openEvent.syscall_nr = 257
    openEvent.ret = 3
    var openBytes: [UInt8] = []
    for (source, text) in [(UInt8(1), "/etc/ld.so.cache"), (UInt8(VIGIL_CAPTURE_RET_FD_PATH.rawValue), "/etc/ld.so.cache")] {
        var cap = vigil_capture()
        cap.source = source
        cap.len = UInt16(text.utf8.count)
        openBytes += bytes(cap) + Array(text.utf8) + [UInt8](repeating: 0, count: (8 - text.utf8.count % 8) % 8)
    }
    openEvent.ncaptures = 2
    openEvent.data_len = UInt32(openBytes.count)
    let fixed = MemoryLayout<vigil_syscall_event>.offset(of: \.ncaptures)! + 4
    let openRecord = Array(bytes(openEvent).prefix(fixed)) + openBytes

    Benchmark("trace pipeline: open events (decode + cache + JSON line)") { benchmark in
        let pipeline = pipeline(catalog)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            openRecord.withUnsafeBytes { pipeline.consume($0) }
        }
        benchmark.stopMeasurement()
        pipeline.flush()
    }

    Benchmark("trace pipeline: decode + cache + JSON line (events)") { benchmark in
        let pipeline = pipeline()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            records[i % 3].withUnsafeBytes { pipeline.consume($0) }
        }
        benchmark.stopMeasurement()
        pipeline.flush()
    }
}
