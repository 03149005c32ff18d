import CVigilBPF

/// One traced syscall: its arguments as the kernel used them, what came
/// back, and the user memory it used. `kind` is .syscall, or .open/.read/.write
/// for the file sensor's syscalls, which add the resolved path.
public struct SyscallEvent: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case integer(Int64)
        case string(String)
    }

    public struct Argument: Sendable, Equatable {
        public var name: String
        public var value: Value
    }

    public var kind: EventKind
    public var header: EventHeader
    public var syscall: String
    public var ret: Int64
    /// Entry to exit; nil when the call was traced at exit only (no durations asked for).
    public var durationNanoseconds: UInt64?
    /// A kill rule sent SIGKILL at entry; the process never saw the result.
    public var killed: Bool
    public var arguments: [Argument]
    /// Names of the arguments whose capture was cut at the configured size.
    public var truncated: [String]
    /// The file behind the returned fd (open) or the fd argument (read, write), absolute.
    public var resolvedPath: String?
    public var resolvedPathTruncated = false
    /// The open that returned the fd created the file (the VFS's FMODE_CREATED).
    public var created = false
    /// The directories relative path arguments resolve against (a dirfd's file or the
    /// working directory), for the file integrity syscalls: the first and the second path.
    public var directories: [String?] = [nil, nil]
    /// openat2's struct open_how, as captured.
    var howBytes: [UInt8]?

    public func argument(_ name: String) -> Value? { arguments.first { $0.name == name }?.value }

    func integer(_ name: String) -> Int64? {
        if case .integer(let v)? = argument(name) { return v }
        return nil
    }

    func string(_ name: String) -> String? {
        if case .string(let v)? = argument(name) { return v }
        return nil
    }

    /// "ENOENT" for a failed call.
    public var error: String? { ret < 0 ? ErrnoName.name(-ret) : nil }
}

/// The file sensor's view of open, read and write calls.
extension SyscallEvent {
    /// The path as passed to open/openat/openat2/creat.
    public var openPath: String { string("filename") ?? string("pathname") ?? "" }
    public var openPathTruncated: Bool { truncated.contains("filename") || truncated.contains("pathname") }
    /// The directory fd a relative path was resolved against (openat, openat2).
    public var openDirectoryFD: Int64? { integer("dfd") }

    /// open(2) flags: from the flags argument, openat2's struct open_how, or creat's implied ones.
    public var openFlags: Int64 {
        if syscall == "creat" { return 0o1 | 0o100 | 0o1000 }  // O_WRONLY | O_CREAT | O_TRUNC
        return integer("flags") ?? openHow?.flags ?? 0
    }

    public var openMode: Int64 { integer("mode") ?? openHow?.mode ?? 0 }

    var openHow: (flags: Int64, mode: Int64)? {
        guard let how = howBytes, how.count >= 16 else { return nil }
        return how.withUnsafeBytes { (Int64(bitPattern: $0.loadUnaligned(as: UInt64.self)), Int64(bitPattern: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))) }
    }

    /// The fd argument of read and write calls.
    public var fd: Int64 { integer("fd") ?? integer("fildes") ?? -1 }
    /// Bytes moved (the return value when it is not an error).
    public var bytes: Int64 { max(ret, 0) }
    /// Bytes asked for (count), or the number of iovecs for readv/writev.
    public var requested: Int64 { integer("count") ?? integer("vlen") ?? 0 }
}

/// Decodes struct vigil_syscall_event records, with argument names and types from the catalog.
struct SyscallEventDecoder {
    let catalog: SyscallCatalog

    /// Where the captures start (the C struct's `data` member, which Swift does not import as a field).
    static let fixedSize = MemoryLayout<vigil_syscall_event>.offset(of: \.ncaptures)! + MemoryLayout<UInt32>.size
    static let captureSize = MemoryLayout<vigil_capture>.size

    func decode(_ record: UnsafeRawBufferPointer, kind: EventKind) -> SyscallEvent? {
        guard record.count >= Self.fixedSize, let base = record.baseAddress else { return nil }
        let e = base.assumingMemoryBound(to: vigil_syscall_event.self)
        guard let description = catalog[number: e.pointee.syscall_nr] else { return nil }
        let raw = withUnsafeBytes(of: e.pointee.args) { Array($0.bindMemory(to: UInt64.self)) }
        var arguments = description.arguments.enumerated().map { i, a in
            SyscallEvent.Argument(name: a.name, value: .integer(i < raw.count ? a.integer(raw[i]) : 0))
        }
        var event = SyscallEvent(
            kind: kind, header: EventHeader(base), syscall: description.name, ret: e.pointee.ret,
            durationNanoseconds: e.pointee.duration_ns == VIGIL_DURATION_UNKNOWN ? nil : e.pointee.duration_ns, killed: e.pointee.killed != 0, arguments: [], truncated: [])
        // Captures follow the fixed part: header, then `len` bytes padded to 8.
        var offset = Self.fixedSize
        let end = min(record.count, Self.fixedSize + Int(e.pointee.data_len))
        for _ in 0..<Int(e.pointee.ncaptures) {
            guard offset + Self.captureSize <= end else { break }
            let cap = (base + offset).loadUnaligned(as: vigil_capture.self)
            let start = offset + Self.captureSize
            let length = min(Int(cap.len), end - start)
            let bytes = UnsafeRawBufferPointer(start: base + start, count: max(length, 0))
            offset = start + ((Int(cap.len) + 7) & ~7)
            let source = Int(cap.source)
            if source < arguments.count {
                let argument = description.arguments[source]
                switch argument.kind {
                case .string: arguments[source].value = .string(String(decoding: bytes, as: UTF8.self))
                case .sockaddr: arguments[source].value = .string(SocketAddressText.text(bytes))
                default:
                    if argument.type.contains("open_how") { event.howBytes = Array(bytes) }
                    arguments[source].value = .string(RecordText.escapedBytes(bytes))
                }
                if cap.truncated != 0 { event.truncated.append(argument.name) }
            } else if source == Int(VIGIL_CAPTURE_RET_FD_PATH.rawValue) || source == Int(VIGIL_CAPTURE_ARG_FD_PATH.rawValue) {
                event.resolvedPath = Self.pathText(bytes, fileType: cap.padding & 0xf)
                event.resolvedPathTruncated = cap.truncated != 0
                event.created = cap.padding & UInt32(VIGIL_CAPTURE_CREATED) != 0
            } else if source == Int(VIGIL_CAPTURE_DIR0.rawValue) || source == Int(VIGIL_CAPTURE_DIR1.rawValue) {
                // A cut directory path would resolve to a wrong place: leave it out.
                if cap.truncated == 0 {
                    event.directories[source - Int(VIGIL_CAPTURE_DIR0.rawValue)] = String(decoding: bytes, as: UTF8.self)
                }
            }
        }
        event.arguments = arguments
        return event
    }

    /// Sockets and anonymous pipes have no path: say what they are instead.
    static func pathText(_ bytes: UnsafeRawBufferPointer, fileType: UInt32) -> String {
        let path = String(decoding: bytes, as: UTF8.self)
        switch fileType {
        case 0xc: return "socket:"
        case 0x1 where path == "/": return "pipe:"
        default: return path
        }
    }
}
