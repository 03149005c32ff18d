/// Events as policy rules see them: each documented field by name (docs/events.md).
extension TraceEvent: FieldSource {
    public func field(_ name: String) -> FieldValue? {
        let h = header
        switch name {
        case "event": return .string(kind.rawValue)
        case "pid": return .integer(Int64(h.pid))
        case "tid": return .integer(Int64(h.tid))
        case "ppid": return .integer(Int64(h.ppid))
        case "uid": return .integer(Int64(h.uid))
        case "gid": return .integer(Int64(h.gid))
        case "cgroup_id": return .integer(Int64(bitPattern: h.cgroupID))
        case "comm": return .string(h.comm)
        case "exe": return .string(h.exe)
        case "time_ns": return .integer(Int64(h.bootTimeNanoseconds))
        default: break
        }
        switch self {
        case .process(let e): return e.field(name)
        case .syscall(let e): return e.field(name)
        case .network(let e): return e.field(name)
        }
    }
}

extension ProcessEvent {
    func field(_ name: String) -> FieldValue? {
        switch (kind, name) {
        case (.exec, "filename"): return .string(filename)
        case (.exec, "argv"): return .strings(argv)
        case (.exec, "args_truncated"): return .boolean(argsTruncated)
        case (.exec, "ret"): return .integer(ret)
        case (.exec, "error"): return ret < 0 ? .string(ErrnoName.name(-ret)) : nil
        case (.fork, "child_pid"): return .integer(Int64(childPID))
        case (.exit, "exit_code"): return exitCode.map { .integer(Int64($0)) }
        case (.exit, "signal"): return signal.map { .integer(Int64($0)) }
        case (.exit, "lifetime_ns"): return .integer(Int64(lifetimeNanoseconds))
        default: return nil
        }
    }
}

extension SyscallEvent {
    func field(_ name: String) -> FieldValue? {
        switch name {
        case "syscall": return .string(syscall)
        case "error": return error.map(FieldValue.string)
        case "killed": return .boolean(killed)
        default: break
        }
        switch kind {
        case .open:
            switch name {
            case "path": return .string(openPath)
            case "resolved_path": return .string(resolvedPath ?? "")
            case "dirfd": return openDirectoryFD.map(FieldValue.integer)
            case "flags": return .integer(openFlags)
            case "mode": return .integer(openMode)
            case "ret": return .integer(ret)
            case "path_truncated": return .boolean(openPathTruncated || resolvedPathTruncated)
            default: return nil
            }
        case .read, .write:
            switch name {
            case "fd": return .integer(fd)
            case "path": return .string(resolvedPath ?? "")
            case "bytes": return .integer(bytes)
            case "requested": return .integer(requested)
            default: return nil
            }
        default:
            switch name {
            case "ret": return .integer(ret)
            case "duration_ns": return durationNanoseconds.map { .integer(Int64($0)) }
            case "truncated": return .strings(truncated)
            default:
                guard name.hasPrefix("args.") else { return nil }
                switch argument(String(name.dropFirst(5))) {
                case .integer(let v)?: return .integer(v)
                case .string(let s)?: return .string(s)
                case nil: return nil
                }
            }
        }
    }
}

extension NetworkEvent {
    func field(_ name: String) -> FieldValue? {
        switch name {
        case "family": return .string(family)
        case "saddr": return .string(sourceAddress)
        case "sport": return .integer(Int64(sourcePort))
        case "daddr": return .string(destinationAddress)
        case "dport": return .integer(Int64(destinationPort))
        case "error" where kind == .connect: return error.map(FieldValue.string)
        case "bytes_sent" where kind == .close: return .integer(Int64(bytesSent))
        case "bytes_received" where kind == .close: return .integer(Int64(bytesReceived))
        case "duration_ns" where kind == .close: return .integer(Int64(durationNanoseconds))
        default: return nil
        }
    }
}
