import CVigilBPF
import Foundation
import Glibc
import Testing
import VigilSystem
@testable import VigilTrace
import VigilTestSupport

/// Tracepoint formats → argument kinds, and syscall/network records → events,
/// against records laid out by the C headers.
@Suite(.ownThread) struct SyscallDecoderTests {
    static let openatFormat = """
        name: sys_enter_openat
        ID: 782
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
        \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

        \tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;
        \tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;
        \tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;
        \tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;
        \tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;

        print fmt: "dfd: 0x%08lx", ((unsigned long)(REC->dfd))
        """

    @Test func formatParsesIntoFields() throws {
        let format = try #require(Tracefs.parseFormat(Self.openatFormat))
        #expect(format.id == 782)
        #expect(format.fields.map(\.name) == ["__syscall_nr", "dfd", "filename", "flags", "mode"])
        #expect(format.fields[2].type == "const char *" && format.fields[2].offset == 24)
    }

    func fields(_ list: [(String, String)]) -> [Tracefs.Field] {
        list.enumerated().map { Tracefs.Field(type: $1.0, name: $1.1, offset: 16 + 8 * $0, size: 8, signed: false) }
    }

    @Test func argumentKindsComeFromTheCTypes() {
        let write = SyscallArgument.classify(fields([("unsigned int", "fd"), ("const char *", "buf"), ("size_t", "count")]))
        #expect(write.map(\.kind) == [.unsigned(bits: 32), .buffer(sizeArgument: 2), .unsigned(bits: 64)])
        let read = SyscallArgument.classify(fields([("unsigned int", "fd"), ("char *", "buf"), ("size_t", "count")]))
        #expect(read[1].kind == .buffer(sizeArgument: nil))  // output: length is the return value
        let connect = SyscallArgument.classify(fields([("int", "fd"), ("struct sockaddr *", "uservaddr"), ("int", "addrlen")]))
        #expect(connect[1].kind == .sockaddr(sizeArgument: 2))
        let execve = SyscallArgument.classify(fields([("const char *", "filename"), ("const char *const *", "argv")]))
        #expect(execve.map(\.kind) == [.string, .pointer])
        let openat = SyscallArgument.classify(fields([("int", "dfd"), ("const char *", "filename"), ("int", "flags"), ("umode_t", "mode")]))
        #expect(openat[0].integer(UInt64(bitPattern: -100)) == -100)  // AT_FDCWD, sign-extended from 32 bits
        #expect(openat[3].kind == .unsigned(bits: 16))
    }

    func syscallRecord(kind: vigil_event_kind, id: UInt32, ret: Int64, args: [UInt64], captures: [(UInt8, [UInt8], Bool, UInt32)]) -> [UInt8] {
        var e = vigil_syscall_event()
        e.header.kind = kind.rawValue
        e.header.pid = 42
        e.header.tid = 43
        e.syscall_nr = id
        e.ret = ret
        withUnsafeMutableBytes(of: &e.args) { raw in
            for (i, a) in args.enumerated() { raw.storeBytes(of: a, toByteOffset: i * 8, as: UInt64.self) }
        }
        var data: [UInt8] = []
        for (source, bytes, truncated, type) in captures {
            var cap = vigil_capture()
            cap.source = source
            cap.truncated = truncated ? 1 : 0
            cap.len = UInt16(bytes.count)
            cap.padding = type
            data += withUnsafeBytes(of: cap) { Array($0) } + bytes
            data += [UInt8](repeating: 0, count: (8 - bytes.count % 8) % 8)
        }
        e.ncaptures = UInt32(captures.count)
        e.data_len = UInt32(data.count)
        let fixed = SyscallEventDecoder.fixedSize
        return Array(withUnsafeBytes(of: e) { $0.prefix(fixed) }) + data
    }

    func catalog() throws -> SyscallCatalog {
        let c = SyscallCatalog()
        let format = try #require(Tracefs.parseFormat(Self.openatFormat))
        c.register(SyscallDescription(name: "openat", number: 257, arguments: SyscallArgument.classify(Array(format.fields.dropFirst()))))
        c.register(SyscallDescription(name: "connect", number: 42, arguments: SyscallArgument.classify(fields([("int", "fd"), ("struct sockaddr *", "uservaddr"), ("int", "addrlen")]))))
        return c
    }

    @Test func openRecordDecodesPathsFlagsAndError() throws {
        let decoder = EventDecoder(catalog: try catalog())
        let path = Array("../etc/shadow".utf8)
        let resolved = Array("/etc/shadow".utf8)
        let bytes = syscallRecord(kind: VIGIL_EVENT_OPEN, id: 257, ret: -13, args: [UInt64(bitPattern: -100), 0x7fff0000, 0o2000000, 0],
                                  captures: [(1, path, false, 0), (UInt8(VIGIL_CAPTURE_RET_FD_PATH.rawValue), resolved, false, 8)])
        guard case .syscall(let e)? = bytes.withUnsafeBytes({ decoder.decode($0) }) else { Issue.record("no event"); return }
        #expect(e.kind == .open && e.syscall == "openat")
        #expect(e.openPath == "../etc/shadow" && e.resolvedPath == "/etc/shadow")
        #expect(e.openDirectoryFD == -100 && e.openFlags == 0o2000000)
        #expect(e.error == "EACCES" && e.header.pid == 42)
    }

    @Test func truncatedStringsAreMarked() throws {
        let decoder = EventDecoder(catalog: try catalog())
        let bytes = syscallRecord(kind: VIGIL_EVENT_SYSCALL, id: 257, ret: 3, args: [0, 0, 0, 0], captures: [(1, Array("/very/long".utf8), true, 0)])
        guard case .syscall(let e)? = bytes.withUnsafeBytes({ decoder.decode($0) }) else { Issue.record("no event"); return }
        #expect(e.truncated == ["filename"])
        #expect(e.argument("filename") == .string("/very/long"))
    }

    @Test func socketAddressesAreText() throws {
        let decoder = EventDecoder(catalog: try catalog())
        var v4 = sockaddr_in()
        v4.sin_family = sa_family_t(AF_INET)
        v4.sin_port = UInt16(8080).bigEndian
        v4.sin_addr.s_addr = UInt32(0x0a00_0001).bigEndian
        let bytes = syscallRecord(kind: VIGIL_EVENT_SYSCALL, id: 42, ret: 0, args: [3, 0, 16],
                                  captures: [(1, withUnsafeBytes(of: v4) { Array($0) }, false, 0)])
        guard case .syscall(let e)? = bytes.withUnsafeBytes({ decoder.decode($0) }) else { Issue.record("no event"); return }
        #expect(e.argument("uservaddr") == .string("10.0.0.1:8080"))
        var v6 = sockaddr_in6()
        v6.sin6_family = sa_family_t(AF_INET6)
        v6.sin6_port = UInt16(22).bigEndian
        withUnsafeMutableBytes(of: &v6.sin6_addr) { $0[15] = 1 }
        #expect(withUnsafeBytes(of: v6) { SocketAddressText.text($0) } == "[::1]:22")
    }

    @Test func networkRecordDecodes() throws {
        var e = vigil_net_event()
        e.header.kind = VIGIL_EVENT_CLOSE.rawValue
        e.header.pid = 7
        e.family = UInt16(AF_INET6)
        e.sport = 443
        e.dport = 50000
        e.owner_known = 1
        withUnsafeMutableBytes(of: &e.saddr) { $0[15] = 1 }
        withUnsafeMutableBytes(of: &e.daddr) { $0[10] = 0xff; $0[11] = 0xff; $0[12] = 192; $0[13] = 0; $0[14] = 2; $0[15] = 1 }
        e.bytes_sent = 10
        e.bytes_received = 20
        let decoder = EventDecoder(catalog: SyscallCatalog())
        guard case .network(let n)? = withUnsafeBytes(of: e, { decoder.decode($0) }) else { Issue.record("no event"); return }
        #expect(n.kind == .close && n.family == "ipv6")
        #expect(n.sourceAddress == "::1" && n.destinationAddress == "192.0.2.1")  // v4-mapped shown as IPv4
        #expect(n.sourcePort == 443 && n.destinationPort == 50000 && n.bytesSent == 10 && n.bytesReceived == 20)
    }
}

/// The fast JSON path (straight from the record) writes exactly what the decoded path writes.
@Suite(.ownThread) struct SyscallRecordEncoderTests {
    let helper = SyscallDecoderTests()

    func bothWays(_ record: [UInt8], kind: EventKind, catalog: SyscallCatalog) throws -> (String, String) {
        let writer = EventWriter(out: Output(fd: -1), format: .json, cache: ProcessCache())
        let event = try #require(record.withUnsafeBytes { EventDecoder(catalog: catalog).decode($0) })
        writer.encode(event, wall: 1_795_000_000_123_456_789, exe: "/usr/bin/x")
        let slow = String(decoding: writer.lineBytes, as: UTF8.self)
        let line = JSONLine()
        let ok = record.withUnsafeBytes {
            SyscallRecordEncoder(catalog: catalog).encode($0, kind: kind, wall: 1_795_000_000_123_456_789, exe: "/usr/bin/x", into: line)
        }
        #expect(ok)
        return (slow, String(decoding: line.buffer, as: UTF8.self))
    }

    @Test func sameBytesForEveryKind() throws {
        let catalog = try helper.catalog()
        let path = Array("dir/\"quoted\"\u{7}é".utf8)
        let cases: [(vigil_event_kind, EventKind, UInt32, Int64, [UInt64], [(UInt8, [UInt8], Bool, UInt32)])] = [
            (VIGIL_EVENT_SYSCALL, .syscall, 257, -2, [UInt64(bitPattern: -100), 1, 0o101, 0o644], [(1, path, true, 0)]),
            (VIGIL_EVENT_OPEN, .open, 257, 5, [UInt64(bitPattern: -100), 1, 0o101, 0o644],
             [(1, path, false, 0), (UInt8(VIGIL_CAPTURE_RET_FD_PATH.rawValue), Array("/tmp/dir/x".utf8), true, 8)]),
            (VIGIL_EVENT_OPEN, .open, 257, -13, [3, 1, 0, 0], [(1, Array("a".utf8), false, 0)]),
            (VIGIL_EVENT_READ, .read, 257, 10, [4, 0, 0, 0], [(UInt8(VIGIL_CAPTURE_ARG_FD_PATH.rawValue), Array("x".utf8), false, 0xc)]),
            (VIGIL_EVENT_SYSCALL, .syscall, 42, 0, [3, 0, 16], [(1, [2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], false, 0)]),
        ]
        for (recordKind, kind, id, ret, args, captures) in cases {
            let record = helper.syscallRecord(kind: recordKind, id: id, ret: ret, args: args, captures: captures)
            let (slow, fast) = try bothWays(record, kind: kind, catalog: catalog)
            #expect(slow == fast)
            #expect((try? JSONSerialization.jsonObject(with: Data(fast.utf8))) != nil, "not JSON: \(fast)")
        }
    }
}

/// The generated syscall number table (scripts/gen-syscall-numbers) against this machine.
@Suite(.ownThread) struct SyscallNumbersTests {
    /// Every syscall tracepoint of the running kernel has a number, so any syscall it
    /// can describe can be traced.
    @Test func everyTracepointOfThisKernelHasANumber() throws {
        guard let events = try? Tracefs.events(category: "syscalls") else {
            // tracefs needs root to mount; the privileged suites cover that case in CI.
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "tracefs must be readable in CI")
            return
        }
        let names = events.filter { $0.hasPrefix("sys_enter_") }.map { String($0.dropFirst(10)) }
        #expect(names.count > 300)
        let missing = names.filter { SyscallNumbers.number($0) == nil }
        #expect(missing.isEmpty, "no number for \(missing)")
    }

    /// The numbers agree with the C library's SYS_ constants, including the tracepoints
    /// named for the kernel function rather than the syscall.
    @Test func numbersMatchTheCLibrary() {
        let expected: [(String, Int32)] = [
            ("read", SYS_read), ("openat", SYS_openat), ("connect", SYS_connect), ("execve", SYS_execve),
            ("newfstat", SYS_fstat), ("newstat", SYS_stat), ("newuname", SYS_uname), ("umount", SYS_umount2),
            ("sendfile64", SYS_sendfile), ("openat2", SYS_openat2), ("set_mempolicy_home_node", SYS_set_mempolicy_home_node),
        ]
        for (name, number) in expected {
            #expect(SyscallNumbers.number(name) == UInt32(number), "\(name)")
        }
    }

    /// The committed table is what the generator writes from this machine's UAPI header.
    @Test func generatedTableIsCurrent() throws {
        let header = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
        guard FileManager.default.fileExists(atPath: header) else { return }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("syscall-numbers-\(getpid()).swift").path
        defer { unlink(out) }
        let script = root.appendingPathComponent("scripts/gen-syscall-numbers").path
        var status: Int32 = 0
        let pid = try ChildProcess.spawn(["/bin/sh", "-c", "'\(script)' > '\(out)'"])
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        #expect(status == 0)
        let generated = try String(contentsOfFile: out, encoding: .utf8)
        let committed = try String(contentsOf: root.appendingPathComponent("Sources/VigilTrace/Syscalls/SyscallNumbers+x86_64.swift"), encoding: .utf8)
        #expect(generated == committed, "run scripts/gen-syscall-numbers > Sources/VigilTrace/Syscalls/SyscallNumbers+x86_64.swift")
    }
}
