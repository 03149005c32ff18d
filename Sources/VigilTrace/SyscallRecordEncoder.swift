import CVigilBPF
import VigilSystem

/// Writes syscall and file events as JSON lines straight from the kernel's record:
/// no event value, no Strings, keys as precomputed fragments. This is the path of
/// the high-rate events when no policy needs the decoded event; its output is the
/// same as EventWriter.encode's, byte for byte (a test compares them).
final class SyscallRecordEncoder {
    /// Per syscall: its quoted name and each argument's `"name":` fragment, in one
    /// allocation, with what the open and read/write shapes need to know. A class:
    /// handing it out per event costs one reference count, not one per array.
    final class Template {
        let bytes: UnsafeMutableRawBufferPointer
        let syscall: Range<Int>                // ,"syscall":"openat"
        let keys: [Range<Int>]                 // "dfd":  ,"filename":
        let kinds: [SyscallArgument.Kind]
        let names: [String]
        let stringArgument: Int?               // open: the path argument
        let dirfd: Int?
        let flags: Int?
        let mode: Int?
        let fd: Int?
        let count: Int?
        let isCreat: Bool
        let howArgument: Int?

        init(_ d: SyscallDescription) {
            let index = { (names: [String]) in d.arguments.firstIndex { names.contains($0.name) } }
            var text: [UInt8] = Array(",\"syscall\":\"\(d.name)\"".utf8)
            syscall = 0..<text.count
            let quoted = JSONLine()
            keys = d.arguments.enumerated().map { i, a in
                let start = text.count
                if i > 0 { text.append(UInt8(ascii: ",")) }
                quoted.reset()
                quoted.appendQuoted(a.name)
                text += quoted.buffer
                text.append(UInt8(ascii: ":"))
                return start..<text.count
            }
            bytes = .allocate(byteCount: max(text.count, 1), alignment: 8)
            bytes.copyBytes(from: text)
            kinds = d.arguments.map(\.kind)
            names = d.arguments.map(\.name)
            stringArgument = index(["filename", "pathname"])
            dirfd = index(["dfd"])
            flags = index(["flags"])
            mode = index(["mode"])
            fd = index(["fd", "fildes"])
            count = index(["count", "vlen"])
            isCreat = d.name == "creat"
            howArgument = d.arguments.firstIndex { $0.type.contains("open_how") }
        }

        deinit { bytes.deallocate() }

        func fragment(_ r: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[r]) }

        /// Argument i's register as shown when no capture replaces it; nil when it has none.
        func value(_ i: Int?, _ args: UnsafeRawPointer) -> Int64? {
            guard let i, i < kinds.count, i < Int(VIGIL_SYSCALL_ARGS) else { return nil }
            return SyscallArgument.integer(args.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self), kind: kinds[i])
        }
    }

    private var templates: [UInt32: Template] = [:]
    /// The last template asked for: bursts are of one syscall, and a dictionary hashes.
    private var lastNumber: UInt32 = .max
    private var lastTemplate: Template?
    static let argsOffset = MemoryLayout<vigil_syscall_event>.offset(of: \.args)!
    let catalog: SyscallCatalog

    init(catalog: SyscallCatalog) { self.catalog = catalog }

    func template(_ nr: UInt32) -> Template? {
        if nr == lastNumber, let t = lastTemplate { return t }
        let t: Template
        if let known = templates[nr] {
            t = known
        } else {
            guard let d = catalog[number: nr] else { return nil }
            t = Template(d)
            templates[nr] = t
        }
        (lastNumber, lastTemplate) = (nr, t)
        return t
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
        let quoted = JSONLine()
        quoted.reset()
        quoted.appendQuoted(exe)
        return encode(record, kind: kind, wall: wall, quotedExe: quoted.buffer, into: line)
    }

    /// The same with the executable already written as a JSON string (the pipeline
    /// keeps it so for bursts from one process).
    func encode(_ record: UnsafeRawBufferPointer, kind: EventKind, wall: Int64, quotedExe: UnsafeRawBufferPointer,
                into line: JSONLine) -> Bool {
        guard record.count >= SyscallEventDecoder.fixedSize, let base = record.baseAddress else { return false }
        let e = base.assumingMemoryBound(to: vigil_syscall_event.self)
        guard let t = template(e.pointee.syscall_nr) else { return false }
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
                if source < t.kinds.count && source < slots.count {
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
            write(e, template: t, kind: kind, wall: wall, quotedExe: quotedExe,
                  captures: UnsafeBufferPointer(slots), resolved: resolved, into: line)
            return true
        }
    }

    private func write(_ e: UnsafePointer<vigil_syscall_event>, template t: Template, kind: EventKind, wall: Int64,
                       quotedExe: UnsafeRawBufferPointer, captures: UnsafeBufferPointer<Capture?>, resolved: ResolvedPath?,
                       into line: JSONLine) {
        let args = UnsafeRawPointer(e) + Self.argsOffset
        RecordHeaderEncoder.write(UnsafeRawPointer(e).assumingMemoryBound(to: vigil_event_header.self), kind: kind, wall: wall,
                                  quotedExe: quotedExe, into: line)
        line.appendRaw(bytes: t.fragment(t.syscall))
        let ret = e.pointee.ret
        let killed = e.pointee.killed != 0
        switch kind {
        case .open:
            let path = t.stringArgument.flatMap { $0 < captures.count ? captures[$0] : nil }
            line.raw(",\"path\":")
            if let path { line.appendQuoted(bytes: path.bytes) } else { line.raw("\"\"") }
            line.raw(",\"resolved_path\":"); Self.resolvedPath(resolved, into: line)
            line.raw(",\"dirfd\":")
            if let d = t.value(t.dirfd, args) { line.appendNumber(d) } else { line.raw("null") }
            var how: (flags: Int64, mode: Int64)?
            if let i = t.howArgument, i < captures.count, let c = captures[i], c.bytes.count >= 16 {
                how = (Int64(bitPattern: c.bytes.loadUnaligned(as: UInt64.self)), Int64(bitPattern: c.bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
            line.raw(",\"flags\":")
            line.appendNumber(t.isCreat ? 0o1 | 0o100 | 0o1000 : t.value(t.flags, args) ?? how?.flags ?? 0)
            line.raw(",\"mode\":"); line.appendNumber(t.value(t.mode, args) ?? how?.mode ?? 0)
            line.raw(",\"ret\":"); line.appendNumber(ret)
            Self.error(ret, into: line)
            var resolvedTruncated = false
            if case .path(let c)? = resolved { resolvedTruncated = c.truncated }
            line.raw(",\"path_truncated\":")
            if (path?.truncated ?? false) || resolvedTruncated { line.raw("true") } else { line.raw("false") }
            if killed { line.raw(",\"killed\":true") } else { line.raw(",\"killed\":false") }
        case .read, .write:
            line.raw(",\"fd\":"); line.appendNumber(t.value(t.fd, args) ?? -1)
            line.raw(",\"path\":"); Self.resolvedPath(resolved, into: line)
            line.raw(",\"bytes\":"); line.appendNumber(max(ret, 0))
            line.raw(",\"requested\":"); line.appendNumber(t.value(t.count, args) ?? 0)
            Self.error(ret, into: line)
        default:
            line.raw(",\"ret\":"); line.appendNumber(ret)
            Self.error(ret, into: line)
            line.raw(",\"duration_ns\":")
            let duration = e.pointee.duration_ns
            if duration == VIGIL_DURATION_UNKNOWN { line.raw("null") } else { line.appendNumber(Int64(bitPattern: duration)) }
            line.raw(",\"args\":{")
            var anyTruncated = false
            for i in 0..<t.kinds.count {
                line.appendRaw(bytes: t.fragment(t.keys[i]))
                if i < captures.count, let c = captures[i] {
                    anyTruncated = anyTruncated || c.truncated
                    switch t.kinds[i] {
                    case .string: line.appendQuoted(bytes: c.bytes)
                    case .sockaddr: line.appendQuoted(SocketAddressText.text(c.bytes))
                    default: line.appendQuoted(RecordText.escapedBytes(c.bytes))
                    }
                } else {
                    line.appendNumber(t.value(i, args) ?? 0)
                }
            }
            line.raw("},\"truncated\":[")
            if anyTruncated {
                var first = true
                for i in 0..<min(t.kinds.count, captures.count) where captures[i]?.truncated == true {
                    if !first { line.raw(",") }
                    first = false
                    line.appendQuoted(t.names[i])
                }
            }
            line.raw("]")
            if killed { line.raw(",\"killed\":true") } else { line.raw(",\"killed\":false") }
        }
        line.raw("}\n")
    }

    private static func error(_ ret: Int64, into line: JSONLine) {
        line.raw(",\"error\":")
        if ret < 0 { line.appendQuoted(ErrnoName.name(-ret)) } else { line.raw("null") }
    }

    private static func resolvedPath(_ resolved: ResolvedPath?, into line: JSONLine) {
        switch resolved {
        case .path(let c)?: line.appendQuoted(bytes: c.bytes)
        case .socket?: line.raw("\"socket:\"")
        case .pipe?: line.raw("\"pipe:\"")
        case nil: line.raw("\"\"")
        }
    }
}
