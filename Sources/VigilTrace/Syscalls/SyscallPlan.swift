import CVigilBPF

/// Which syscalls the kernel side traces, and how: one vigil_syscall_config per
/// syscall, from the requested syscalls, file events, failed execs and kill rules.
struct SyscallPlan {
    struct Entry {
        var description: SyscallDescription
        var config: vigil_syscall_config
    }

    let catalog: SyscallCatalog
    private(set) var entries: [Entry] = []

    init(options: SensorOptions, catalog: SyscallCatalog) throws {
        self.catalog = catalog
        let stringSize = min(max(options.stringSize, 1), UInt32(VIGIL_CAPTURE_MAX) - 2)
        let bufferSize = min(options.bufferSize, UInt32(VIGIL_CAPTURE_MAX) - 2)
        for name in options.syscalls {
            let d = try catalog.describe(name)
            set(d, kind: VIGIL_EVENT_SYSCALL, stringSize: stringSize, bufferSize: bufferSize)
        }
        // File events: the path as passed and as resolved, no data.
        for kind in [EventKind.open, .read, .write] where options.events.contains(kind) {
            for name in kind.fileSyscalls where catalog.exists(name) {
                let d = try catalog.describe(name)
                let record = kind == .open ? VIGIL_EVENT_OPEN : kind == .read ? VIGIL_EVENT_READ : VIGIL_EVENT_WRITE
                // openat2's struct open_how carries flags and mode: keep its first 24 bytes.
                set(d, kind: record, stringSize: stringSize, bufferSize: kind == .open ? 24 : 0)
                if kind == .open {
                    update(d.name) { $0.resolve = UInt8(VIGIL_CAPTURE_RET_FD_PATH.rawValue) }
                } else if let fd = d.argumentIndex("fd") {
                    update(d.name) { $0.resolve = UInt8(VIGIL_CAPTURE_ARG_FD_PATH.rawValue); $0.fd_arg = UInt8(fd) }
                }
            }
        }
        if options.fileIntegrity != nil { try planFileIntegrity(stringSize: max(stringSize, 1024)) }
        // A failed exec never reaches sched_process_exec: catch it at the syscall's exit.
        if options.events.contains(.exec) {
            for name in ["execve", "execveat"] where catalog.exists(name) && index(name) == nil {
                let d = try catalog.describe(name)
                set(d, kind: VIGIL_EVENT_EXEC_FAILED, stringSize: max(stringSize, 256), bufferSize: 0)
                update(name) { $0.only_failures = 1 }
            }
        }
        var killed: Set<String> = []
        for rule in options.killRules {
            let d = try catalog.describe(rule.syscall)
            killed.insert(d.name)
            if index(d.name) == nil { set(d, kind: vigil_event_kind(rawValue: 0), stringSize: stringSize, bufferSize: 0) }
            if let argument = rule.argument {
                guard let i = d.argumentIndex(argument) else {
                    throw TraceSetupError.invalid("kill rule on \(d.name): it has no argument '\(argument)' (its arguments: \(d.arguments.map(\.name).joined(separator: ", ")))")
                }
                guard d.arguments[i].kind == .string else {
                    let strings = d.arguments.filter { $0.kind == .string }.map { "args." + $0.name }
                    let instead = strings.isEmpty ? "\(d.name) has no string argument" : "its string arguments: \(strings.joined(separator: ", "))"
                    throw TraceSetupError.invalid("kill rule on \(d.name): args.\(argument) is not a string (a kill rule compares one string argument, which the kernel reads at syscall entry; \(instead)); match \(argument) in a rule without kill, or kill on comm, uid or pid")
                }
                update(d.name) { $0.kill_arg = UInt8(i) }
            }
        }
        for i in entries.indices {
            let name = entries[i].description.name
            let c = entries[i].config
            let exitOnly = c.kind != 0 && c.watch == 0 && !killed.contains(name) && !Self.replacesRegisters.contains(name)
                && !(c.kind == VIGIL_EVENT_SYSCALL.rawValue && options.syscallDurations)
            entries[i].config.exit_only = exitOnly ? 1 : 0
            entries[i].config.traced = exitOnly ? 0 : 1
        }
    }

    /// Syscalls after which the task's saved registers no longer hold the arguments
    /// (a new program's, a restored signal frame's, a child's first return): these
    /// save their arguments at entry. exit and exit_group never return.
    static let replacesRegisters: Set<String> = [
        "execve", "execveat", "rt_sigreturn", "clone", "clone3", "fork", "vfork", "exit", "exit_group",
    ]

    /// Whether any planned syscall needs its entry hook.
    var needsEntry: Bool { entries.contains { $0.config.exit_only == 0 } }

    /// File integrity's syscalls, each with its kernel filter; plain file events asked
    /// for on the same syscalls take precedence (they want every call).
    private mutating func planFileIntegrity(stringSize: UInt32) throws {
        for spec in FileIntegritySyscall.all where catalog.exists(spec.name) && index(spec.name) == nil {
            let d = try catalog.describe(spec.name)
            switch spec.role {
            case .open(let flagsArgument):
                // openat2 keeps its struct open_how (flags) for O_TRUNC; the others need no memory.
                set(d, kind: VIGIL_EVENT_OPEN, stringSize: stringSize, bufferSize: spec.name == "openat2" ? 24 : 0)
                update(d.name) { c in
                    if spec.name != "openat2" { c.arg_kind = (0, 0, 0, 0, 0, 0) }
                    c.resolve = UInt8(VIGIL_CAPTURE_RET_FD_PATH.rawValue)
                    c.watch = UInt8(VIGIL_WATCH_MARK.rawValue)
                    if let flags = flagsArgument.flatMap(d.argumentIndex) {
                        c.flags_arg = UInt8(flags)
                        c.flags_mask = FileIntegritySyscall.writeIntent
                    }
                }
            case .write, .descriptor:
                guard let fd = d.argumentIndex("fd") else { continue }
                let write: Bool
                if case .write = spec.role { write = true } else { write = false }
                set(d, kind: write ? VIGIL_EVENT_WRITE : VIGIL_EVENT_SYSCALL, stringSize: stringSize, bufferSize: 0)
                update(d.name) { c in
                    c.resolve = UInt8(VIGIL_CAPTURE_ARG_FD_PATH.rawValue)
                    c.fd_arg = UInt8(fd)
                    c.watch = UInt8(write ? VIGIL_WATCH_MARKED.rawValue : VIGIL_WATCH_FILTER.rawValue)
                }
            case .names(let paths):
                set(d, kind: VIGIL_EVENT_SYSCALL, stringSize: stringSize, bufferSize: 0)
                let slots = paths.map { p in p.directory.flatMap(d.argumentIndex).map(UInt8.init) ?? UInt8(VIGIL_DIR_CWD) }
                update(d.name) { c in
                    c.watch = UInt8(VIGIL_WATCH_NAMES.rawValue)
                    c.dir_arg = (slots.first ?? UInt8(VIGIL_NO_ARG), slots.count > 1 ? slots[1] : UInt8(VIGIL_NO_ARG))
                }
            }
        }
    }

    func index(_ name: String) -> Int? { entries.firstIndex { $0.description.name == name } }

    mutating func update(_ name: String, _ change: (inout vigil_syscall_config) -> Void) {
        guard let i = index(name) else { return }
        change(&entries[i].config)
    }

    /// Adds or replaces the entry of one syscall (file events win over plain syscall events).
    mutating func set(_ d: SyscallDescription, kind: vigil_event_kind, stringSize: UInt32, bufferSize: UInt32) {
        var c = vigil_syscall_config()
        c.kind = kind.rawValue
        c.traced = 1
        c.string_size = stringSize
        c.buffer_size = bufferSize
        c.kill_arg = 0xff
        c.flags_arg = UInt8(VIGIL_NO_ARG)
        c.dir_arg = (UInt8(VIGIL_NO_ARG), UInt8(VIGIL_NO_ARG))
        withUnsafeMutableBytes(of: &c.arg_kind) { kinds in
            withUnsafeMutableBytes(of: &c.size_arg) { sizes in
                for (i, a) in d.arguments.prefix(Int(VIGIL_SYSCALL_ARGS)).enumerated() {
                    sizes[i] = 0xff
                    switch a.kind {
                    case .string:
                        kinds[i] = UInt8(VIGIL_ARG_STRING.rawValue)
                    case .buffer(let sizeArgument) where bufferSize > 0:
                        kinds[i] = UInt8(VIGIL_ARG_BUFFER.rawValue)
                        sizes[i] = sizeArgument.map(UInt8.init) ?? UInt8(VIGIL_SIZE_FROM_RET)
                    case .sockaddr(let sizeArgument):
                        kinds[i] = UInt8(VIGIL_ARG_SOCKADDR.rawValue)
                        sizes[i] = UInt8(sizeArgument)
                    default:
                        kinds[i] = UInt8(VIGIL_ARG_VALUE.rawValue)
                    }
                }
            }
        }
        if let i = index(d.name) { entries[i].config = c } else { entries.append(Entry(description: d, config: c)) }
    }
}
