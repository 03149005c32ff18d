import Benchmark
import CVigilBPF
import Glibc
import VigilSystem
import VigilTrace

/// User-space throughput of `vigil trace`: records as the kernel lays them out
/// (exec, fork, exit), decoded in place, enriched by the process cache and written
/// as JSON lines to /dev/null, on one core. Goal (issue 3): at least 1,000,000 events/s.
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

    func header(_ kind: vigil_process_kind, pid: UInt32) -> vigil_process_header {
        var h = vigil_process_header()
        h.kind = UInt32(kind.rawValue)
        h.pid = pid; h.tid = pid; h.ppid = 1; h.uid = 1000; h.gid = 1000
        h.cgroup_id = 1234; h.timestamp_ns = 1_000_000_000
        withUnsafeMutableBytes(of: &h.comm) { for (i, b) in "worker".utf8.enumerated() { $0[i] = b } }
        return h
    }

    // A fork, an exec with a typical command line, and an exit: one process's life.
    var fork = vigil_fork_event()
    fork.header = header(VIGIL_PROCESS_FORK, pid: 500)
    fork.child_pid = 501
    var exec = vigil_exec_event()
    exec.header = header(VIGIL_PROCESS_EXEC, pid: 501)
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
    exit.header = header(VIGIL_PROCESS_EXIT, pid: 501)
    exit.lifetime_ns = 12_345
    let records = [bytes(fork), execBytes, bytes(exit)]

    Benchmark("trace pipeline: decode + cache + JSON line (events)") { benchmark in
        let devNull = open("/dev/null", O_WRONLY)
        let writer = EventWriter(out: Output(fd: devNull, closeOnDeinit: true), format: .json, cache: ProcessCache())
        let pipeline = TracePipeline(writer: writer)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            records[i % 3].withUnsafeBytes { pipeline.consume($0) }
        }
        benchmark.stopMeasurement()
        pipeline.flush()
    }
}
