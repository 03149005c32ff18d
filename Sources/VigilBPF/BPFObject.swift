import CVigilBPF
import Glibc

/// A BPF object file opened from memory (bpf_object__open_mem), closed in deinit.
/// The bytes stay alive as long as the object: libbpf refers to them until load.
public final class BPFObject {
    let handle: OpaquePointer
    private let bytes: UnsafeMutableRawBufferPointer
    public let name: String
    public private(set) var isLoaded = false

    public init(name: String, bytes source: [UInt8]) throws(BPFError) {
        self.name = name
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 8)
        buffer.copyBytes(from: source)
        bytes = buffer
        var opts = bpf_object_open_opts()
        opts.sz = MemoryLayout<bpf_object_open_opts>.size
        let object: OpaquePointer? = name.withCString { cname in
            opts.object_name = cname
            return bpf_object__open_mem(buffer.baseAddress, buffer.count, &opts)
        }
        guard let object else {
            buffer.deallocate()
            throw BPFError.from("open BPF object \(name)", code: errno, detail: BPFLogging.drain())
        }
        handle = object
    }

    deinit {
        bpf_object__close(handle)
        bytes.deallocate()
    }

    /// Verify and load every program and create the maps (bpf_object__load).
    public func load() throws(BPFError) {
        _ = BPFLogging.drain()
        let rc = bpf_object__load(handle)
        guard rc == 0 else {
            throw BPFError.from("load BPF object \(name)", code: rc, detail: BPFLogging.drain(), feature: "BPF programs of \(name)")
        }
        isLoaded = true
    }

    public func program(_ name: String) throws(BPFError) -> BPFProgram {
        guard let p = bpf_object__find_program_by_name(handle, name) else {
            throw .failed(operation: "find program \(name) in \(self.name)", errno: ENOENT, detail: "")
        }
        return BPFProgram(handle: p, object: self, name: name)
    }

    public func map(_ name: String) throws(BPFError) -> BPFMap {
        guard let m = bpf_object__find_map_by_name(handle, name) else {
            throw .failed(operation: "find map \(name) in \(self.name)", errno: ENOENT, detail: "")
        }
        return BPFMap(handle: m, object: self, name: name)
    }

    /// Every program's name, in the object's order.
    public var programNames: [String] {
        var names: [String] = []
        var p = bpf_object__next_program(handle, nil)
        while let prog = p {
            names.append(String(cString: bpf_program__name(prog)))
            p = bpf_object__next_program(handle, prog)
        }
        return names
    }

    /// The read-only data section (`const volatile` globals), writable until load.
    /// Writes `value` at the start of .rodata.
    public func setReadOnlyData<T>(_ value: T) throws(BPFError) {
        guard !isLoaded else { throw .failed(operation: "set .rodata after load", errno: EBUSY, detail: "") }
        var found: OpaquePointer?
        var m = bpf_object__next_map(handle, nil)
        while let map = m {
            if String(cString: bpf_map__name(map)).hasSuffix(".rodata") { found = map; break }
            m = bpf_object__next_map(handle, map)
        }
        guard let map = found else { throw .failed(operation: "find .rodata of \(name)", errno: ENOENT, detail: "") }
        var size = 0
        guard let current = bpf_map__initial_value(map, &size), size >= MemoryLayout<T>.size else {
            throw .failed(operation: "read .rodata of \(name)", errno: EINVAL, detail: "")
        }
        // Keep the rest of the section; replace its first bytes (bpf_map__set_initial_value).
        var section = Array(UnsafeRawBufferPointer(start: current, count: size))
        withUnsafeBytes(of: value) { v in section.replaceSubrange(0..<v.count, with: v) }
        let rc = section.withUnsafeBytes { bpf_map__set_initial_value(map, $0.baseAddress, $0.count) }
        if rc != 0 { throw BPFError.from("set .rodata of \(name)", code: rc) }
    }
}

/// One program of a loaded object.
public struct BPFProgram {
    let handle: OpaquePointer
    let object: BPFObject
    public let name: String

    /// Attach where its SEC() says (tp_btf/…, tracepoint/…, raw_tp/…).
    public func attach() throws(BPFError) -> BPFLink {
        guard let link = bpf_program__attach(handle) else {
            let code = errno
            let section = String(cString: bpf_program__section_name(handle))
            throw BPFError.from("attach \(name) (\(section))", code: code, detail: BPFLogging.drain(), feature: section)
        }
        return BPFLink(handle: link, name: name)
    }

    /// Attach to the tracepoint CATEGORY:NAME (for SEC("tracepoint") programs that
    /// serve many tracepoints, such as one handler for every traced syscall). The
    /// program reads `cookie` with bpf_get_attach_cookie() to know which one fired.
    public func attachTracepoint(category: String, name tracepoint: String, cookie: UInt64 = 0) throws(BPFError) -> BPFLink {
        var opts = bpf_tracepoint_opts()
        opts.sz = MemoryLayout<bpf_tracepoint_opts>.size
        opts.bpf_cookie = cookie
        guard let link = bpf_program__attach_tracepoint_opts(handle, category, tracepoint, &opts) else {
            let code = errno
            throw BPFError.from("attach \(name) to tracepoint \(category):\(tracepoint)", code: code, detail: BPFLogging.drain(),
                                feature: "tracepoint \(category):\(tracepoint)")
        }
        return BPFLink(handle: link, name: "\(name)@\(tracepoint)")
    }

    /// Attach to an open perf event (a sampling timer); the link owns the descriptor.
    public func attach(perfEvent fd: Int32) throws(BPFError) -> BPFLink {
        guard let link = bpf_program__attach_perf_event(handle, fd) else {
            let code = errno
            close(fd)
            throw BPFError.from("attach \(name) to perf event", code: code, detail: BPFLogging.drain(), feature: "BPF perf event programs")
        }
        return BPFLink(handle: link, name: name)
    }

    /// Leave this program out of the load (bpf_program__set_autoload), before load.
    public func setAutoload(_ enabled: Bool) { bpf_program__set_autoload(handle, enabled) }

    /// Times the kernel did not run this program because it was already running on
    /// that CPU (bpf_prog_info.recursion_misses, from bpf_obj_get_info_by_fd): a
    /// probe that fired in an interrupt while the program ran, or inside another BPF
    /// program. The event is gone; only this count says so. 0 when not loaded.
    public var recursionMisses: UInt64 {
        let fd = bpf_program__fd(handle)
        guard fd >= 0 else { return 0 }
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0 else { return 0 }
        return info.recursion_misses
    }
}

/// An attachment; detached in deinit (bpf_link__destroy).
public final class BPFLink {
    let handle: OpaquePointer
    public let name: String
    init(handle: OpaquePointer, name: String) {
        self.handle = handle
        self.name = name
    }
    deinit { bpf_link__destroy(handle) }

    /// The link's file descriptor (a BPF link, or the perf event it is attached through).
    public var fd: Int32 { bpf_link__fd(handle) }
}
