import VigilSystem

/// Turns a loaded policy into sensor options: sources, filters and the kernel's
/// kill rules. Everything is checked here, before anything is attached.
extension Policy {
    /// Applies sources and filters to `options` (flags given on the command line are
    /// applied by the caller afterwards, so they win).
    public func apply(to options: inout SensorOptions) throws(TraceSetupError) {
        options.events = sources.events
        if let syscalls = sources.syscalls {
            options.syscalls = syscalls.names
            options.stringSize = UInt32(syscalls.stringSize)
            options.bufferSize = UInt32(syscalls.bufferSize)
            options.syscallDurations = syscalls.durations
        }
        if !filters.pids.isEmpty { options.pids = filters.pids }
        options.followChildren = filters.follow
        if let cgroup = filters.cgroup {
            do { options.cgroupDirectory = try Cgroups.directory(cgroup) } catch {
                throw .invalid("policy filter cgroup \(cgroup): \(error)")
            }
        }
        options.comm = filters.comm ?? options.comm
        options.uid = filters.uid ?? options.uid
        options.exe = filters.exe ?? options.exe
        options.killRules = try kernelKillRules(exists: { (try? SyscallCatalog().describe($0)) != nil })
    }

    /// The kill rules as the kernel checks them: one per syscall × comm × uid × value.
    public func kernelKillRules(exists: (String) -> Bool) throws(TraceSetupError) -> [KernelKillRule] {
        var out: [KernelKillRule] = []
        for spec in killRules {
            if !spec.pids.isEmpty {
                throw .invalid("kill rule '\(spec.rule)': the kernel checks kill rules by comm, uid and path; use filters.pids to limit tracing to processes instead")
            }
            var targets: [(syscall: String, argument: String?)] = []
            let argument = spec.stringField.map { $0.hasPrefix("args.") ? String($0.dropFirst(5)) : $0 }
            switch spec.event {
            case .open:
                for name in ["open", "openat", "openat2", "creat"] where exists(name) {
                    targets.append((name, argument == nil ? nil : name == "creat" ? "pathname" : "filename"))
                }
            case .exec:
                for name in ["execve", "execveat"] where exists(name) { targets.append((name, argument == nil ? nil : "filename")) }
            default:
                for name in spec.syscalls { targets.append((name, argument)) }
            }
            if targets.isEmpty {
                throw .invalid("kill rule '\(spec.rule)' names no syscall; add `syscalls: [NAME]` to the rule or to sources.syscalls.names")
            }
            for value in spec.strings where value.utf8.count > 127 {
                throw .invalid("kill rule '\(spec.rule)': '\(value.prefix(40))…' is longer than the 127 bytes the kernel compares")
            }
            let comms: [String?] = spec.comms.isEmpty ? [nil] : spec.comms
            let uids: [UInt32?] = spec.uids.isEmpty ? [nil] : spec.uids
            let values: [String?] = spec.strings.isEmpty ? [nil] : spec.strings
            for target in targets {
                for comm in comms {
                    for uid in uids {
                        for value in values {
                            out.append(KernelKillRule(syscall: target.syscall, argument: value == nil ? nil : target.argument,
                                                      value: value, prefix: spec.stringOperator == .prefix, uid: uid, comm: comm))
                        }
                    }
                }
            }
        }
        return out
    }
}
