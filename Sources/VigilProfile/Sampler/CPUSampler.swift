import CVigilBPF
import Glibc
import VigilBPF
import VigilBPFObjects
import VigilSystem

/// What the sampler samples and how (bpf/profile.bpf.c).
public struct SamplerOptions: Sendable {
    /// Samples per second per CPU. 19 Hz by default, so samples never move in lock
    /// step with 10 ms timers.
    public var frequency: UInt64 = 19
    /// Only these processes (and, with `followChildren`, the processes they fork).
    public var pids: [Int32]?
    public var followChildren = true
    /// Only tasks in this cgroup v2 directory or below it.
    public var cgroupDirectory: String?
    /// Bytes of the user stack copied per sample, for unwinding without frame pointers.
    public var stackCopyBytes: UInt32 = 16384
    /// Ring buffer size; nil sizes it for half a second of samples (at least 1 MiB).
    /// The kernel maps the ring twice, and every page of it is touched in turn, so
    /// this is resident memory: 8 MiB cost 16 MB at 19 Hz on 2 CPUs for nothing.
    public var ringBufferBytes: UInt32?
    /// Also record where threads wait off the CPU (sched_switch), as a second sample type.
    public var offCPU = false
    public init() {}
}

/// cpu-clock sampling on every online CPU with a BPF program per sample, and,
/// when asked, off-CPU waits from sched_switch.
public final class CPUSampler {
    let object: BPFObject
    var links: [BPFLink] = []
    public let options: SamplerOptions
    public let cpus: [Int32]

    public init(options: SamplerOptions) throws(BPFError) {
        self.options = options
        cpus = Self.onlineCPUs()
        guard let bytes = EmbeddedBPF.object("profile") else {
            throw .failed(operation: "find embedded BPF object profile", errno: ENOENT, detail: "")
        }
        object = try BPFObject(name: "profile", bytes: bytes)
        var config = vigil_profile_config()
        config.filter_pids = options.pids == nil ? 0 : 1
        config.filter_cgroup = options.cgroupDirectory == nil ? 0 : 1
        config.stack_copy = min(options.stackCopyBytes, UInt32(VIGIL_STACK_COPY_MAX))
        // Vigil is left out of its own whole-system profiles unless asked for by pid
        // (--self, the agent's debug profile): sampling itself, it would unwind and
        // symbolize its own large binary, which is most of what a capture costs.
        let me = getpid()
        if !(options.pids ?? []).contains(me) { config.exclude_pid = UInt32(me) }
        try object.setReadOnlyData(config)
        let halfSecond = UInt64(cpus.count) * options.frequency * UInt64(MemoryLayout<vigil_profile_sample>.size + Int(VIGIL_STACK_COPY_MAX)) / 2
        let ring = options.ringBufferBytes ?? UInt32(min(max(halfSecond, 1 << 20), 1 << 30))
        try object.map("samples").setMaxEntries(Self.powerOfTwo(ring))
        try object.program("off_cpu_switch").setAutoload(options.offCPU)
        try object.load()
        for pid in options.pids ?? [] { try track(pid) }
        if let directory = options.cgroupDirectory {
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw .failed(operation: "open cgroup \(directory)", errno: errno, detail: "") }
            defer { close(fd) }
            try object.map("profile_cgroup").update(key: UInt32(0), value: UInt32(fd))
        }
        if options.pids != nil && options.followChildren {
            links.append(try object.program("profile_fork").attach())
        }
        if options.offCPU {
            links.append(try object.program("off_cpu_switch").attach())
        }
        // Exiting processes' mappings, for their samples still in the ring buffer.
        links.append(try object.program("profile_exit").attach())
        let program = try object.program("sample_cpu")
        for cpu in cpus {
            var attr = perf_event_attr()
            attr.type = UInt32(PERF_TYPE_SOFTWARE.rawValue)
            attr.size = UInt32(MemoryLayout<perf_event_attr>.size)
            attr.config = UInt64(PERF_COUNT_SW_CPU_CLOCK.rawValue)
            attr.freq = 1
            attr.sample_freq = options.frequency
            let fd = vigil_perf_event_open(&attr, -1, cpu, -1, UInt(PERF_FLAG_FD_CLOEXEC))
            guard fd >= 0 else {
                let code = errno
                throw BPFError.from("perf_event_open(cpu-clock, cpu \(cpu))", code: code, feature: "perf events (cpu-clock)")
            }
            links.append(try program.attach(perfEvent: fd))
        }
    }

    /// Add a process to the in-kernel pid filter.
    public func track(_ pid: Int32) throws(BPFError) {
        try object.map("profiled_pids").update(key: UInt32(pid), value: UInt8(1))
    }

    /// The ring buffer the samples arrive in.
    public var samplesMap: BPFMap { get throws(BPFError) { try object.map("samples") } }

    /// Samples the kernel dropped because the ring buffer was full.
    public func dropped() -> UInt64 { (try? object.map("dropped").perCPUSum(key: 0)) ?? 0 }

    /// Stop sampling.
    public func detach() { links.removeAll() }

    static func powerOfTwo(_ n: UInt32) -> UInt32 {
        var p: UInt32 = 4096
        while p < n && p < (1 << 30) { p <<= 1 }
        return p
    }

    /// /sys/devices/system/cpu/online: "0-3,5".
    static func onlineCPUs() -> [Int32] {
        let text = FileSystem.readTextIfPresent("/sys/devices/system/cpu/online")?.trimmingCharacters() ?? "0"
        var out: [Int32] = []
        for part in text.split(separator: ",") {
            let bounds = part.split(separator: "-").compactMap { Int32($0) }
            if bounds.count == 2 { out += Array(bounds[0]...bounds[1]) } else if let one = bounds.first { out.append(one) }
        }
        return out
    }
}
