import CLinux
import CVigilBPF
import Glibc
import VigilBPF
import VigilBPFObjects
import VigilSystem

/// Every sensor of `vigil trace` (bpf/trace.bpf.c): process, syscalls, file and
/// network, sharing one ring buffer and the in-kernel filters. Only the programs
/// of the sources asked for are loaded; nothing is attached unless all of it loads.
public final class TraceSensor {
    let object: BPFObject
    var links: [BPFLink] = []
    public let options: SensorOptions
    /// Descriptions of the traced syscalls, for decoding their records.
    public let catalog = SyscallCatalog()

    public init(options: SensorOptions) throws {
        self.options = options
        guard let bytes = EmbeddedBPF.object("trace") else {
            throw BPFError.failed(operation: "find embedded BPF object trace", errno: ENOENT, detail: "")
        }
        let plan = try SyscallPlan(options: options, catalog: catalog)
        object = try BPFObject(name: "trace", bytes: bytes)
        try object.setReadOnlyData(try Self.config(options, plan: plan))
        try object.map("events").setMaxEntries(Self.powerOfTwo(options.ringBufferBytes))
        let network = !options.events.isDisjoint(with: [.connect, .accept, .close])
        try object.program("handle_tcp_state").setAutoload(network)
        try object.program("accept_exit").setAutoload(network)
        try object.program("syscall_enter").setAutoload(plan.needsEntry)
        try object.program("syscall_exit").setAutoload(!plan.entries.isEmpty)
        try object.load()

        for entry in plan.entries {
            try object.map("syscalls").update(key: entry.description.number, value: entry.config)
        }
        for pid in options.pids ?? [] { try track(pid) }
        if let exe = options.exe { try seedExecutable(exe) }
        if let directory = options.cgroupDirectory {
            // The map keeps its own reference to the cgroup; our descriptor can go.
            let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw BPFError.failed(operation: "open cgroup \(directory)", errno: errno, detail: "") }
            defer { close(fd) }
            try object.map("cgroup_filter").update(key: UInt32(0), value: UInt32(fd))
        }
        // The process programs also keep the follow-children and executable filters current.
        for name in ["handle_exec", "handle_fork", "handle_exit"] {
            links.append(try object.program(name).attach())
        }
        if let pids = options.pids, options.followChildren { try trackDescendants(of: pids) }
        for entry in plan.entries {
            links.append(try object.program("syscall_exit").attachTracepoint(category: "syscalls", name: "sys_exit_\(entry.description.name)"))
            if entry.config.exit_only == 0 {
                links.append(try object.program("syscall_enter").attachTracepoint(category: "syscalls", name: "sys_enter_\(entry.description.name)"))
            }
        }
        if network {
            links.append(try object.program("handle_tcp_state").attach())
            for name in ["accept", "accept4"] where catalog.exists(name) {
                links.append(try object.program("accept_exit").attachTracepoint(category: "syscalls", name: "sys_exit_\(name)"))
            }
        }
    }

    /// Add a process to the in-kernel pid filter.
    public func track(_ pid: Int32) throws(BPFError) {
        try object.map("tracked_pids").update(key: UInt32(pid), value: UInt8(1))
    }

    /// Descendants that exist before tracing starts: the kernel follows only forks it
    /// sees. Run after the fork program is attached, and repeated until a scan finds
    /// nothing new, so a child forked by a not-yet-tracked descendant during a scan is
    /// found by the next (once its parent is tracked, the kernel adds its children).
    func trackDescendants(of roots: [Int32]) throws(BPFError) {
        var tracked = Set(roots)
        // Bounded: a tree forking faster than /proc can be read must not hold start-up.
        for _ in 0..<8 {
            let found = ProcessTree.descendants(of: tracked)
            if found.isEmpty { return }
            for pid in found { try track(pid) }
            tracked.formUnion(found)
        }
    }

    /// Processes already running the executable; exec, fork and exit keep the set current.
    func seedExecutable(_ exe: String) throws(BPFError) {
        guard let pids = try? ProcFS.pids() else { return }
        for pid in pids where (try? ProcFS.link(pid, "exe").path) == exe {
            try object.map("exe_pids").update(key: UInt32(pid), value: UInt8(1))
        }
    }

    /// The ring buffer map the programs submit to.
    public var eventsMap: BPFMap { get throws(BPFError) { try object.map("events") } }

    /// Events the kernel could not queue because the ring buffer was full, by kind.
    public func lostInKernel() -> [EventKind: UInt64] {
        guard let map = try? object.map("lost") else { return [:] }
        var out: [EventKind: UInt64] = [:]
        for kind in EventKind.allCases { out[kind] = map.perCPUSum(key: kind.recordKind) }
        // Failed execs have their own record kind; they are exec events.
        out[.exec, default: 0] += map.perCPUSum(key: UInt32(VIGIL_EVENT_EXEC_FAILED.rawValue))
        return out
    }

    /// Per program, the runs the kernel skipped because the program was already
    /// running on that CPU (see BPFProgram.recursionMisses); only non-zero counts.
    public func skippedByKernel() -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for name in object.programNames {
            if let n = try? object.program(name).recursionMisses, n > 0 { out[name] = n }
        }
        return out
    }

    /// Traced TCP connections whose side has begun to close and not yet reached
    /// TCP_CLOSE (bpf/net.bpf.h, closing_sockets): their close events are still to come.
    public func connectionsClosing() -> Int {
        guard options.events.contains(.close), let map = try? object.map("closing_sockets") else { return 0 }
        return map.keyCount(keySize: MemoryLayout<UInt64>.size)
    }

    /// Detach every program (events stop arriving) without waiting for the kernel.
    ///
    /// Unregistering a syscall tracepoint waits for a tracepoint RCU grace period under
    /// a kernel-wide mutex (`perf_trace_destroy`), one after another: file integrity's
    /// 70-odd tracepoints took 6 s, past the supervisor's grace before SIGKILL. So a
    /// short-lived child inherits the links' descriptors and pays that wait when it
    /// exits; here the programs are disabled and the descriptors closed at once. A
    /// handful of links are released directly.
    public func detach() {
        guard links.count > 8 else { return links.removeAll() }
        var pipe = [Int32](repeating: -1, count: 2)
        guard Glibc.pipe(&pipe) == 0 else { return links.removeAll() }
        // Not inherited by what other threads exec meanwhile: the child waits for EOF.
        for fd in pipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // The child keeps only the links (and its end of the pipe): not this process's
        // stdout, sockets or files, which a reader would otherwise see held open.
        let keep = (links.map(\.fd) + [pipe[0]]).filter { $0 >= 0 }.sorted()
        let child = keep.withUnsafeBufferPointer { vigil_fork_holder($0.baseAddress, Int32($0.count), pipe[0]) }
        close(pipe[0])
        links.removeAll()
        close(pipe[1])
        if child > 0 {
            // Reaped off this thread: its exit is the slow part.
            _ = try? NamedThread.start("vigil-detach") { var status: Int32 = 0; _ = waitpid(child, &status, 0) }
        }
    }

    static func powerOfTwo(_ n: UInt32) -> UInt32 {
        var p: UInt32 = 4096
        while p < n && p < (1 << 30) { p <<= 1 }
        return p
    }

    static func config(_ options: SensorOptions, plan: SyscallPlan) throws -> vigil_trace_config {
        var config = vigil_trace_config()
        config.args_size = min(options.argsSize, UInt32(VIGIL_ARGS_MAX) - 1)
        config.filter_pids = options.pids == nil ? 0 : 1
        config.follow_children = options.followChildren ? 1 : 0
        config.events = options.events.reduce(0) { $0 | (1 << $1.recordKind) }
        config.process_records = options.processRecords ? 1 : 0
        if let uid = options.uid {
            config.filter_uid = 1
            config.uid = uid
        }
        if let comm = options.comm {
            config.filter_comm = 1
            copy(comm, into: &config.comm, limit: Int(VIGIL_COMM_LEN) - 1)
        }
        if let exe = options.exe {
            config.filter_exe = 1
            copy(exe, into: &config.exe, limit: 255)
            config.exe_len = UInt32(min(exe.utf8.count, 255))
        }
        config.filter_cgroup = options.cgroupDirectory == nil ? 0 : 1
        // Wake user space about when a quarter of the ring is queued (each CPU counts
        // its own share); otherwise it drains on its timer.
        config.wakeup_bytes_per_cpu = powerOfTwo(options.ringBufferBytes) / 4 / UInt32(max(1, libbpf_num_possible_cpus()))
        guard options.killRules.count <= Int(VIGIL_KILL_RULES) else {
            throw TraceSetupError.invalid("at most \(VIGIL_KILL_RULES) kill rules fit in the kernel (after expanding comm and uid lists); this policy needs \(options.killRules.count)")
        }
        config.kill_rules = UInt32(options.killRules.count)
        withUnsafeMutableBytes(of: &config.kill) { slots in
            let stride = MemoryLayout<vigil_kill_rule>.stride
            for (i, rule) in options.killRules.enumerated() {
                var k = vigil_kill_rule()
                k.syscall_nr = plan.catalog.exists(rule.syscall) ? (try? plan.catalog.describe(rule.syscall).number) ?? .max : .max
                k.prefix = rule.prefix ? 1 : 0
                if let value = rule.value {
                    copy(value, into: &k.value, limit: Int(VIGIL_KILL_VALUE_LEN) - 1)
                    k.value_len = UInt32(min(value.utf8.count, Int(VIGIL_KILL_VALUE_LEN) - 1))
                }
                if let uid = rule.uid { k.match_uid = 1; k.uid = uid }
                if let comm = rule.comm { k.match_comm = 1; copy(comm, into: &k.comm, limit: Int(VIGIL_COMM_LEN) - 1) }
                withUnsafeBytes(of: k) { slots.baseAddress!.advanced(by: i * stride).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
        }
        if let fim = options.fileIntegrity {
            let prefixes = fim.kernelPrefixes
            config.path_prefixes = UInt32(prefixes.count)
            withUnsafeMutableBytes(of: &config.prefix) { slots in
                let stride = MemoryLayout<vigil_path_prefix>.stride
                for (i, prefix) in prefixes.enumerated() {
                    var p = vigil_path_prefix()
                    copy(prefix, into: &p.path, limit: Int(VIGIL_PATH_PREFIX_LEN) - 1)
                    p.len = UInt32(min(prefix.utf8.count, Int(VIGIL_PATH_PREFIX_LEN) - 1))
                    withUnsafeBytes(of: p) { slots.baseAddress!.advanced(by: i * stride).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                }
            }
        }
        return config
    }

    /// Watch a file already open for writing when tracing started (file integrity marks
    /// files as they are opened; this covers descriptors opened before).
    /// `device` is stat's st_dev; the kernel keys by its own encoding (major << 20 | minor).
    public func watchFile(device: UInt64, inode: UInt64) throws(BPFError) {
        try object.map("watched_inodes").update(key: (DeviceNumber.kernel(fromStat: device), inode), value: UInt64(0))
    }

    static func copy<T>(_ text: String, into field: inout T, limit: Int) {
        withUnsafeMutableBytes(of: &field) { buffer in
            for (i, b) in text.utf8.prefix(min(limit, buffer.count - 1)).enumerated() { buffer[i] = b }
        }
    }
}
