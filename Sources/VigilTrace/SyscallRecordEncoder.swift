import CVigilBPF
import VigilSystem

/// Writes syscall and file events as JSON lines straight from the kernel's record:
/// no event value, no Strings, keys as precomputed fragments. This is the path of
/// the high-rate events when no policy needs the decoded event; its output is the
/// same as EventWriter.encode's, byte for byte (a test compares them).
final class SyscallRecordEncoder {
    /// Per syscall: its quoted name and each argument's `"name":` fragment.
    struct Template {
        var syscall: [UInt8]          // ,"syscall":"openat"
        var argumentKeys: [[UInt8]]   // "dfd":  ,"filename":
        var arguments: [SyscallArgument]
        var stringArgument: Int?      // open: the path argument
        var dirfd: Int?
        var flags: Int?
        var mode: Int?
        var fd: Int?
        var count: Int?
        var isCreat: Bool
        var howArgument: Int?
    }

    private var templates: [UInt32: Template] = [:]
    static let argsOffset = MemoryLayout<vigil_syscall_event>.offset(of: \.args)!
    let catalog: SyscallCatalog

    init(catalog: SyscallCatalog) { self.catalog = catalog }

    static func fragment(_ text: String) -> [UInt8] { Array(text.utf8) }

    func template(_ id: UInt32) -> Template? {
        if let t = templates[id] { return t }
        guard let d = catalog[id] else { return nil }
        let index = { (names: [String]) in d.arguments.firstIndex { names.contains($0.name) } }
        let t = Template(
            syscall: Self.fragment(",\"syscall\":\"\(d.name)\""),
            argumentKeys: d.arguments.enumerated().map { i, a in
                let quoted = JSONLine()
                quoted.reset()
                quoted.appendQuoted(a.name)
                return Self.fragment(i == 0 ? "" : ",") + Array(quoted.buffer) + [UInt8(ascii: ":")]
            },
            arguments: d.arguments,
            stringArgument: index(["filename", "pathname"]), dirfd: index(["dfd"]), flags: index(["flags"]),
            mode: index(["mode"]), fd: index(["fd", "fildes"]), count: index(["count", "vlen"]),
            isCreat: d.name == "creat", howArgument: d.arguments.firstIndex { $0.type.contains("open_how") })
        templates[id] = t
        return t
    }

    enum Fragment {
        static let time = fragment("{\"time\":")
        static let timeNs = fragment(",\"time_ns\":")
        static let pid = fragment(",\"pid\":")
        static let tid = fragment(",\"tid\":")
        static let ppid = fragment(",\"ppid\":")
        static let uid = fragment(",\"uid\":")
        static let gid = fragment(",\"gid\":")
        static let cgroup = fragment(",\"cgroup_id\":")
        static let comm = fragment(",\"comm\":")
        static let exe = fragment(",\"exe\":")
        static let ret = fragment(",\"ret\":")
        static let error = fragment(",\"error\":")
        static let duration = fragment(",\"duration_ns\":")
        static let args = fragment(",\"args\":{")
        static let truncated = fragment("},\"truncated\":[")
        static let killedFalse = fragment(",\"killed\":false")
        static let killedTrue = fragment(",\"killed\":true")
        static let path = fragment(",\"path\":")
        static let resolved = fragment(",\"resolved_path\":")
        static let dirfd = fragment(",\"dirfd\":")
        static let flags = fragment(",\"flags\":")
        static let mode = fragment(",\"mode\":")
        static let pathTruncated = fragment(",\"path_truncated\":")
        static let fd = fragment(",\"fd\":")
        static let bytes = fragment(",\"bytes\":")
        static let requested = fragment(",\"requested\":")
        static let null = fragment("null")
        static let trueLiteral = fragment("true")
        static let falseLiteral = fragment("false")
        static let end = fragment("}\n")
        static let event: [EventKind: [UInt8]] = Dictionary(uniqueKeysWithValues: EventKind.allCases.map {
            ($0, fragment(",\"event\":\"\($0.rawValue)\""))
        })
    }

    /// A captured piece of user memory.
    struct Capture {
        var bytes: UnsafeRawBufferPointer
        var truncated: Bool
    }

    /// The file behind a descriptor, as the path capture says.
    enum ResolvedPath {
        case path(Capture)
        case socket, pipe
    }

    /// Encodes one record into `line`; false when it cannot (unknown syscall, short record).
    func encode(_ record: UnsafeRawBufferPointer, kind: EventKind, wall: Int64, exe: String, into line: JSONLine) -> Bool {
        guard record.count >= SyscallEventDecoder.fixedSize, let base = record.baseAddress else { return false }
        let e = base.assumingMemoryBound(to: vigil_syscall_event.self)
        guard let t = template(e.pointee.syscall_id), let eventFragment = Fragment.event[kind] else { return false }
        return withUnsafeTemporaryAllocation(of: Capture?.self, capacity: Int(VIGIL_SYSCALL_ARGS)) { slots in
            slots.initialize(repeating: nil)
            var resolved: ResolvedPath?
            var offset = SyscallEventDecoder.fixedSize
            let end = min(record.count, SyscallEventDecoder.fixedSize + Int(e.pointee.data_len))
            for _ in 0..<Int(e.pointee.ncaptures) {
                guard offset + SyscallEventDecoder.captureSize <= end else { break }
                let cap = (base + offset).loadUnaligned(as: vigil_capture.self)
                let start = offset + SyscallEventDecoder.captureSize
                let bytes = UnsafeRawBufferPointer(start: base + start, count: max(min(Int(cap.len), end - start), 0))
                offset = start + ((Int(cap.len) + 7) & ~7)
                let source = Int(cap.source)
                if source < t.arguments.count && source < slots.count {
                    slots[source] = Capture(bytes: bytes, truncated: cap.truncated != 0)
                } else if source == Int(VIGIL_CAPTURE_RET_FD_PATH.rawValue) || source == Int(VIGIL_CAPTURE_ARG_FD_PATH.rawValue) {
                    // As SyscallEventDecoder.pathText: sockets and anonymous pipes have no path.
                    if cap.padding == 0xc {
                        resolved = .socket
                    } else if cap.padding == 0x1 && bytes.count == 1 && bytes[0] == UInt8(ascii: "/") {
                        resolved = .pipe
                    } else {
                        resolved = .path(Capture(bytes: bytes, truncated: cap.truncated != 0))
                    }
                }
            }
            write(e, template: t, eventFragment: eventFragment, kind: kind, wall: wall, exe: exe,
                  captures: UnsafeBufferPointer(slots), resolved: resolved, into: line)
            return true
        }
    }

    private func write(_ e: UnsafePointer<vigil_syscall_event>, template t: Template, eventFragment: [UInt8], kind: EventKind,
                       wall: Int64, exe: String, captures: UnsafeBufferPointer<Capture?>, resolved: ResolvedPath?, into line: JSONLine) {
        let h = e.pointee.header
        let args = UnsafeRawPointer(e) + Self.argsOffset
        func value(_ i: Int?) -> Int64? {
            guard let i, i < t.arguments.count, i < Int(VIGIL_SYSCALL_ARGS) else { return nil }
            return t.arguments[i].integer(args.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        }
        func capture(_ i: Int?) -> Capture? {
            guard let i, i < captures.count else { return nil }
            return captures[i]
        }

        line.reset()
        line.appendRaw(bytes: Fragment.time)
        line.appendTime(nanoseconds: wall)
        line.appendRaw(bytes: Fragment.timeNs); line.appendNumber(wall)
        line.appendRaw(bytes: eventFragment)
        line.appendRaw(bytes: Fragment.pid); line.appendNumber(Int64(h.pid))
        line.appendRaw(bytes: Fragment.tid); line.appendNumber(Int64(h.tid))
        line.appendRaw(bytes: Fragment.ppid); line.appendNumber(Int64(h.ppid))
        line.appendRaw(bytes: Fragment.uid); line.appendNumber(Int64(h.uid))
        line.appendRaw(bytes: Fragment.gid); line.appendNumber(Int64(h.gid))
        line.appendRaw(bytes: Fragment.cgroup); line.appendNumber(Int64(bitPattern: h.cgroup_id))
        line.appendRaw(bytes: Fragment.comm)
        withUnsafeBytes(of: e.pointee.header.comm) { c in
            line.appendQuoted(bytes: UnsafeRawBufferPointer(rebasing: c[..<(c.firstIndex(of: 0) ?? c.count)]))
        }
        line.appendRaw(bytes: Fragment.exe); line.appendQuoted(exe)
        line.appendRaw(bytes: t.syscall)
        let ret = e.pointee.ret
        func error() {
            line.appendRaw(bytes: Fragment.error)
            if ret < 0 { line.appendQuoted(ErrnoName.name(-ret)) } else { line.appendRaw(bytes: Fragment.null) }
        }
        func resolvedPath() {
            switch resolved {
            case .path(let c)?: line.appendQuoted(bytes: c.bytes)
            case .socket?: line.appendQuoted("socket:")
            case .pipe?: line.appendQuoted("pipe:")
            case nil: line.appendQuoted("")
            }
        }
        let killed = e.pointee.killed != 0
        switch kind {
        case .open:
            let path = capture(t.stringArgument)
            line.appendRaw(bytes: Fragment.path)
            if let path { line.appendQuoted(bytes: path.bytes) } else { line.appendQuoted("") }
            line.appendRaw(bytes: Fragment.resolved); resolvedPath()
            line.appendRaw(bytes: Fragment.dirfd)
            if let d = value(t.dirfd) { line.appendNumber(d) } else { line.appendRaw(bytes: Fragment.null) }
            var how: (flags: Int64, mode: Int64)?
            if let c = capture(t.howArgument), c.bytes.count >= 16 {
                how = (Int64(bitPattern: c.bytes.loadUnaligned(as: UInt64.self)), Int64(bitPattern: c.bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
            line.appendRaw(bytes: Fragment.flags)
            line.appendNumber(t.isCreat ? 0o1 | 0o100 | 0o1000 : value(t.flags) ?? how?.flags ?? 0)
            line.appendRaw(bytes: Fragment.mode); line.appendNumber(value(t.mode) ?? how?.mode ?? 0)
            line.appendRaw(bytes: Fragment.ret); line.appendNumber(ret)
            error()
            var resolvedTruncated = false
            if case .path(let c)? = resolved { resolvedTruncated = c.truncated }
            line.appendRaw(bytes: Fragment.pathTruncated)
            line.appendRaw(bytes: (path?.truncated ?? false) || resolvedTruncated ? Fragment.trueLiteral : Fragment.falseLiteral)
            line.appendRaw(bytes: killed ? Fragment.killedTrue : Fragment.killedFalse)
        case .read, .write:
            line.appendRaw(bytes: Fragment.fd); line.appendNumber(value(t.fd) ?? -1)
            line.appendRaw(bytes: Fragment.path); resolvedPath()
            line.appendRaw(bytes: Fragment.bytes); line.appendNumber(max(ret, 0))
            line.appendRaw(bytes: Fragment.requested); line.appendNumber(value(t.count) ?? 0)
            error()
        default:
            line.appendRaw(bytes: Fragment.ret); line.appendNumber(ret)
            error()
            line.appendRaw(bytes: Fragment.duration); line.appendNumber(Int64(bitPattern: e.pointee.duration_ns))
            line.appendRaw(bytes: Fragment.args)
            var truncated: [Int] = []
            for (i, argument) in t.arguments.enumerated() {
                line.appendRaw(bytes: t.argumentKeys[i])
                if let c = capture(i) {
                    if c.truncated { truncated.append(i) }
                    switch argument.kind {
                    case .string: line.appendQuoted(bytes: c.bytes)
                    case .sockaddr: line.appendQuoted(SocketAddressText.text(c.bytes))
                    default: line.appendQuoted(RecordText.escapedBytes(c.bytes))
                    }
                } else {
                    line.appendNumber(value(i) ?? 0)
                }
            }
            line.appendRaw(bytes: Fragment.truncated)
            for (n, i) in truncated.enumerated() {
                if n > 0 { line.appendRaw(bytes: [UInt8(ascii: ",")]) }
                line.appendQuoted(t.arguments[i].name)
            }
            line.appendRaw(bytes: [UInt8(ascii: "]")])
            line.appendRaw(bytes: killed ? Fragment.killedTrue : Fragment.killedFalse)
        }
        line.appendRaw(bytes: Fragment.end)
    }
}
