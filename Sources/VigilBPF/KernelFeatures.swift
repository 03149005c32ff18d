import CVigilBPF
import Glibc
import VigilSystem

/// One line of `vigil doctor`: a capability, whether it is there, and why.
public struct FeatureCheck: Sendable {
    public let name: String
    public let available: Bool
    public let detail: String
    public init(_ name: String, _ available: Bool, _ detail: String) {
        self.name = name
        self.available = available
        self.detail = detail
    }
}

/// What this kernel and these privileges allow, probed rather than assumed.
public enum KernelFeatures {
    public static func probe() -> [FeatureCheck] {
        var checks: [FeatureCheck] = []
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: u.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        checks.append(FeatureCheck("kernel", true, release))
        checks.append(privileges())
        let btf = FileSystem.exists("/sys/kernel/btf/vmlinux")
        checks.append(FeatureCheck("BTF (/sys/kernel/btf/vmlinux)", btf, btf ? "CO-RE relocations and BTF tracepoints can work" : "missing: CO-RE programs cannot load"))
        checks.append(kernelFunction("bpf_rdonly_cast", btf: btf,
                                     available: "file paths and file facts are read by plain loads",
                                     missing: "missing (added in Linux 6.2): the syscall and file sensors cannot load"))
        let ring = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nil) == 1
        checks.append(FeatureCheck("BPF ring buffer", ring, ring ? "map type loads" : "map type refused"))
        // BPF_PROG_TYPE_TRACING (tp_btf, fentry) needs an attach target to probe, so
        // `vigil doctor` tests it by loading and attaching the process sensor instead.
        let programs: [(String, bpf_prog_type)] = [
            ("BPF tracepoint programs", BPF_PROG_TYPE_TRACEPOINT),
            ("BPF raw tracepoint programs", BPF_PROG_TYPE_RAW_TRACEPOINT),
            ("BPF perf event programs", BPF_PROG_TYPE_PERF_EVENT),
        ]
        for (name, type) in programs {
            let rc = libbpf_probe_bpf_prog_type(type, nil)
            checks.append(FeatureCheck(name, rc == 1, rc == 1 ? "program type loads" : rc == 0 ? "program type refused" : "probe failed: \(String(cString: strerror(-rc)))"))
        }
        checks.append(lsmPrograms(btf: btf))
        checks.append(fentryPrograms(btf: btf))
        let kprobes = FileSystem.exists("/sys/bus/event_source/devices/kprobe")
        checks.append(FeatureCheck("kprobes", kprobes, kprobes ? "kprobe PMU present" : "no kprobe PMU (CONFIG_KPROBES off): Vigil uses tracepoints instead"))
        let tracefs = FileSystem.exists("/sys/kernel/tracing/events")
        checks.append(FeatureCheck("tracefs (/sys/kernel/tracing)", tracefs, tracefs ? "mounted" : "not mounted; needed for syscall tracepoints (vigil mounts it when run as root)"))
        let paranoid = FileSystem.readTextIfPresent("/proc/sys/kernel/perf_event_paranoid")?.trimmingCharacters() ?? "?"
        checks.append(FeatureCheck("perf events (perf_event_paranoid)", FileSystem.exists("/proc/sys/kernel/perf_event_paranoid"), "perf_event_paranoid = \(paranoid)"))
        return checks
    }

    /// Whether a BPF LSM program loads: the smallest one (return 0) on the file_open
    /// hook. CONFIG_BPF_LSM in the kernel's config is not enough (some kernels refuse
    /// the load), so only a load tells; nothing is attached.
    static func lsmPrograms(btf: Bool) -> FeatureCheck {
        let title = "BPF LSM programs"
        switch loadSmallest(BPF_PROG_TYPE_LSM, attach: BPF_LSM_MAC, on: "bpf_lsm_file_open", name: "vigil_lsm_probe", btf: btf) {
        case .failure(let why):
            return FeatureCheck(title, false, why.isRefusal ? "\(why.text); deny rules use fanotify, seccomp and Landlock instead"
                                                            : why.text + (why.text.hasPrefix("no ") ? " (CONFIG_BPF_LSM off)" : ""))
        case .success(let fd):
            close(fd)
            return FeatureCheck(title, true, "an LSM program loads (deny rules use fanotify, seccomp and Landlock today)")
        }
    }

    /// Whether an fentry program loads and attaches (the smallest one, on vfs_read; the
    /// link is closed at once). Some kernels refuse BPF trampolines even to root; Vigil
    /// uses BTF tracepoints and syscall tracepoints, which need none.
    static func fentryPrograms(btf: Bool) -> FeatureCheck {
        let title = "BPF fentry/fexit programs"
        switch loadSmallest(BPF_PROG_TYPE_TRACING, attach: BPF_TRACE_FENTRY, on: "vfs_read", name: "vigil_fentry_probe", btf: btf) {
        case .failure(let why):
            return FeatureCheck(title, false, why.isRefusal ? "\(why.text); Vigil uses tracepoints instead" : why.text)
        case .success(let fd):
            defer { close(fd) }
            let link = bpf_link_create(fd, 0, BPF_TRACE_FENTRY, nil)
            guard link >= 0 else {
                return FeatureCheck(title, false, "loads, but attaching is refused: \(String(cString: strerror(-link))); Vigil uses tracepoints instead")
            }
            close(link)
            return FeatureCheck(title, true, "load and attach (Vigil's sensors use tracepoints and need none)")
        }
    }

    struct ProbeFailure: Error {
        let text: String
        /// The kernel refused the load (not: the probe could not be made).
        let isRefusal: Bool
    }

    /// Loads the smallest program (r0 = 0; exit) of `type` for the kernel function
    /// `function` (found in the kernel's BTF); its fd, to close, or why not.
    static func loadSmallest(_ type: bpf_prog_type, attach: bpf_attach_type, on function: String, name: String, btf: Bool) -> Result<Int32, ProbeFailure> {
        guard btf, let types = btf__load_vmlinux_btf() else { return .failure(ProbeFailure(text: "kernel BTF unreadable: cannot tell", isRefusal: false)) }
        defer { btf__free(types) }
        let target = btf__find_by_name_kind(types, function, 12)  // BTF_KIND_FUNC
        guard target > 0 else { return .failure(ProbeFailure(text: "no \(function) in the kernel's BTF", isRefusal: false)) }
        var opts = bpf_prog_load_opts()
        opts.sz = MemoryLayout<bpf_prog_load_opts>.size
        opts.expected_attach_type = attach
        opts.attach_btf_id = UInt32(target)
        var instructions = [bpf_insn(), bpf_insn()]
        instructions[0].code = 0xb7  // BPF_ALU64 | BPF_MOV | BPF_K: r0 = 0
        instructions[1].code = 0x95  // BPF_JMP | BPF_EXIT
        let fd = bpf_prog_load(type, name, "GPL", &instructions, 2, &opts)
        guard fd >= 0 else { return .failure(ProbeFailure(text: "load refused: \(String(cString: strerror(-fd)))", isRefusal: true)) }
        return .success(fd)
    }

    /// A kfunc the programs call, looked up by name in the kernel's BTF.
    static func kernelFunction(_ name: String, btf: Bool, available: String, missing: String) -> FeatureCheck {
        let title = "kfunc \(name)"
        guard btf, let types = btf__load_vmlinux_btf() else {
            return FeatureCheck(title, false, "kernel BTF unreadable: cannot tell")
        }
        defer { btf__free(types) }
        // 12: BTF_KIND_FUNC (linux/btf.h; Swift sees two declarations of the name).
        let found = btf__find_by_name_kind(types, name, 12) > 0
        return FeatureCheck(title, found, found ? available : missing)
    }

    /// Root or the capabilities BPF tracing needs (CAP_BPF 39 + CAP_PERFMON 38, or CAP_SYS_ADMIN 21).
    static func privileges() -> FeatureCheck {
        let status = FileSystem.readTextIfPresent("/proc/self/status") ?? ""
        var effective: UInt64 = 0
        for line in FileSystem.lines(status) where line.hasPrefix("CapEff:") {
            effective = UInt64(line.dropFirst(7).trimmingCharacters(), radix: 16) ?? 0
        }
        let has = { (bit: UInt64) in effective & (1 << bit) != 0 }
        let ok = has(21) || (has(39) && has(38))
        let who = geteuid() == 0 ? "root" : "uid \(geteuid())"
        return FeatureCheck("privileges", ok, "\(who); CAP_SYS_ADMIN \(has(21) ? "yes" : "no"), CAP_BPF \(has(39) ? "yes" : "no"), CAP_PERFMON \(has(38) ? "yes" : "no")")
    }
}
