import CVigilBPF
import Glibc
import VigilBPF
import VigilBPFObjects

/// Configuration of the process sensor, applied in the kernel.
public struct ProcessSensorOptions: Sendable {
    public var events: Set<ProcessEvent.Kind> = Set(ProcessEvent.Kind.allCases)
    /// Trace only these processes (and, with `followChildren`, their descendants).
    public var pids: [Int32]?
    public var followChildren = true
    /// argv bytes captured per exec (at most VIGIL_ARGS_MAX - 1).
    public var argsSize: UInt32 = 1024
    /// Only events of processes with this real uid.
    public var uid: UInt32?
    /// Only events of processes with this command name (comm, at most 15 bytes).
    public var comm: String?
    /// Only events of processes in this cgroup v2 directory or below it.
    public var cgroupDirectory: String?
    /// Ring buffer bytes (a power of two); the default holds over 100,000 fork/exit events.
    public var ringBufferBytes: UInt32 = 16 << 20
    public init() {}
}

/// exec, fork and exit from BTF tracepoints, filtered in the kernel.
public final class ProcessSensor {
    let object: BPFObject
    var links: [BPFLink] = []
    let options: ProcessSensorOptions

    public init(options: ProcessSensorOptions) throws(BPFError) {
        self.options = options
        guard let bytes = EmbeddedBPF.object("process") else {
            throw .failed(operation: "find embedded BPF object process", errno: ENOENT, detail: "")
        }
        object = try BPFObject(name: "process", bytes: bytes)
        var config = vigil_process_config()
        config.args_size = min(options.argsSize, UInt32(VIGIL_ARGS_MAX) - 1)
        config.filter_pids = options.pids == nil ? 0 : 1
        config.follow_children = options.followChildren ? 1 : 0
        config.events = options.events.reduce(0) { $0 | (1 << $1.raw) }
        if let uid = options.uid {
            config.filter_uid = 1
            config.uid = uid
        }
        if let comm = options.comm {
            config.filter_comm = 1
            withUnsafeMutableBytes(of: &config.comm) { buffer in
                for (i, b) in comm.utf8.prefix(Int(VIGIL_COMM_LEN) - 1).enumerated() { buffer[i] = b }
            }
        }
        config.filter_cgroup = options.cgroupDirectory == nil ? 0 : 1
        // Wake user space when a quarter of the ring is queued; otherwise it drains on its timer.
        config.wakeup_bytes = Self.powerOfTwo(options.ringBufferBytes) / 4
        try object.setReadOnlyData(config)
        try object.map("events").setMaxEntries(Self.powerOfTwo(options.ringBufferBytes))
        try object.load()
        for pid in options.pids ?? [] { try track(pid) }
        if let directory = options.cgroupDirectory {
            // The map keeps its own reference to the cgroup; our descriptor can go.
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw BPFError.failed(operation: "open cgroup \(directory)", errno: errno, detail: "") }
            defer { close(fd) }
            try object.map("cgroup_filter").update(key: UInt32(0), value: UInt32(fd))
        }
        for name in ["handle_exec", "handle_fork", "handle_exit"] {
            links.append(try object.program(name).attach())
        }
    }

    /// Add a process to the in-kernel pid filter.
    public func track(_ pid: Int32) throws(BPFError) {
        try object.map("tracked_pids").update(key: UInt32(pid), value: UInt8(1))
    }

    /// The ring buffer map the programs submit to.
    public var eventsMap: BPFMap { get throws(BPFError) { try object.map("events") } }

    /// Events the kernel could not queue because the ring buffer was full, by kind.
    public func lostInKernel() -> [ProcessEvent.Kind: UInt64] {
        guard let map = try? object.map("lost") else { return [:] }
        var out: [ProcessEvent.Kind: UInt64] = [:]
        for kind in ProcessEvent.Kind.allCases { out[kind] = map.perCPUSum(key: kind.raw) }
        return out
    }

    /// Detach every program (events stop arriving).
    public func detach() { links.removeAll() }

    static func powerOfTwo(_ n: UInt32) -> UInt32 {
        var p: UInt32 = 4096
        while p < n && p < (1 << 30) { p <<= 1 }
        return p
    }
}
