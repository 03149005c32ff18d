import Foundation
import Glibc
import Testing
import VigilTestSupport

/// Syscall, file and network events against ground truth: a workload the test
/// compiles does exactly N opens, M connects to a listener the test owns and K
/// children that exec, then exits with a chosen code; strace sees the same workload.
@Suite(.ownThread, .serialized) struct TraceSensorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let helper = TraceCommandTests()
    func events(_ stdout: String) throws -> [[String: Any]] { try helper.events(stdout) }

    /// A fresh directory holding the compiled fixture `name` (Fixtures/NAME.c) and data.txt.
    static func compile(_ name: String, data: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let source = root.appendingPathComponent("Tests/VigilCLITests/Fixtures/\(name).c").path
        let cc = FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/clang") ? "/opt/swift/usr/bin/clang" : "/usr/bin/cc"
        let r = try CLI.run(["-O1", "-o", dir + "/" + name, source], executable: cc)
        #expect(r.status == 0, "compiling \(name): \(r.stderr)")
        try data.write(toFile: dir + "/data.txt", atomically: true, encoding: .utf8)
        return dir
    }

    func workloadDirectory() throws -> String { try Self.compile("workload", data: "data\n") }

    /// A listening TCP socket on 127.0.0.1 that the test owns; connections complete in its backlog.
    func listener() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(listen(fd, 128) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    @Test(.requiresRoot) func workloadOpensConnectsAndChildrenAreReportedExactly() throws {
        try requireRoot()
        let dir = try workloadDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (fd, port) = try listener()
        defer { close(fd) }
        let (opens, connects, children, code) = (7, 3, 2, 42)
        let command = "cd \(dir) && exec ./workload data.txt \(opens) \(port) \(connects) \(children) \(code)"
        let r = try CLI.run(["trace", "--format", "json", "--events", "exec,exit,open,connect,close", "--", "/bin/sh", "-c", command])
        #expect(r.status == Int32(code), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("lost: 0 in the kernel"), "\(r.stderr)")
        let all = try events(r.stdout)
        let execOfWorkload = try #require(all.first { $0["event"] as? String == "exec" && $0["filename"] as? String == "./workload" && $0["ret"] as? Int == 0 })
        let pid = try #require(execOfWorkload["pid"] as? Int)
        #expect(execOfWorkload["exe"] as? String == dir + "/workload")

        let opened = all.filter { $0["event"] as? String == "open" && $0["pid"] as? Int == pid && $0["path"] as? String == "data.txt" }
        #expect(opened.count == opens)
        for e in opened {
            #expect(e["resolved_path"] as? String == dir + "/data.txt")
            #expect((e["ret"] as? Int ?? -1) >= 0 && e["error"] is NSNull)
            #expect(e["syscall"] as? String == "openat" && e["dirfd"] as? Int == -100)  // AT_FDCWD
        }

        let connected = all.filter { $0["event"] as? String == "connect" && $0["pid"] as? Int == pid }
        #expect(connected.count == connects)
        #expect(connected.allSatisfy { $0["daddr"] as? String == "127.0.0.1" && $0["dport"] as? Int == port && $0["saddr"] as? String == "127.0.0.1" })
        #expect(Set(connected.compactMap { $0["sport"] as? Int }).count == connects)
        let closed = all.filter { $0["event"] as? String == "close" && $0["pid"] as? Int == pid && $0["dport"] as? Int == port }
        #expect(closed.count == connects)
        #expect(closed.allSatisfy { $0["bytes_sent"] as? Int == 0 && $0["bytes_received"] as? Int == 0 })

        let childExecs = all.filter { $0["event"] as? String == "exec" && $0["ppid"] as? Int == pid && $0["ret"] as? Int == 0 }
        #expect(childExecs.count == children)
        #expect(childExecs.allSatisfy { $0["filename"] as? String == "/bin/true" })
        #expect(all.first { $0["event"] as? String == "exit" && $0["pid"] as? Int == pid }?["exit_code"] as? Int == code)
    }

    /// Counts per syscall per process agree with strace -f on the same workload.
    /// The default ring buffer holds a burst of 100,000 events with the consumer not
    /// reading at all: the traced command stops vigil (SIGSTOP), opens a file 100,000
    /// times, and lets it go on; every open must come out, none lost.
    @Test(.requiresRoot) func theDefaultRingHoldsABurstOf100000Events() throws {
        try requireRoot()
        let dir = try workloadDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = dir + "/events.jsonl"
        let command = "cd \(dir) && kill -STOP $PPID && ./workload \(dir)/data.txt 100000 0 0 0 0; kill -CONT $PPID"
        let r = try CLI.run(["trace", "--format", "json", "--syscalls", "openat", "-o", output, "--", "/bin/sh", "-c", command])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("lost: 0 in the kernel"), "\(r.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let opens = text.split(separator: "\n").filter { $0.contains("\"filename\":\"\(dir)/data.txt\"") }
        #expect(opens.count == 100_000)
    }

    @Test(.requiresRoot) func agreesWithStracePerSyscallAndProcess() throws {
        try requireRoot()
        let dir = try workloadDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (fd, port) = try listener()
        defer { close(fd) }
        let arguments = [dir + "/workload", dir + "/data.txt", "5", "\(port)", "2", "3", "0"]

        let straceFile = dir + "/strace.txt"
        let s = try CLI.run(["-f", "-qq", "-e", "trace=openat,connect,execve,exit_group", "-o", straceFile] + arguments,
                            executable: "/usr/bin/strace")
        #expect(s.status == 0, "\(s.stderr)")
        // pid → [syscall: count]; "<... resumed>" halves of split calls are not counted twice.
        var strace: [String: [String: Int]] = [:]
        for line in try String(contentsOfFile: straceFile, encoding: .utf8).split(separator: "\n") {
            // "PID  call(...)": strace pads short pids with spaces to align the calls.
            let pid = line.prefix { $0 != " " }
            let call = line.dropFirst(pid.count).drop { $0 == " " }
            guard !pid.isEmpty, !call.hasPrefix("<...") else { continue }
            let name = String(call.prefix { $0 != "(" })
            if name == "execve" && line.contains("= -1") { continue }  // a failed exec: not an exec event
            strace[String(pid), default: [:]][name, default: 0] += 1
        }

        let v = try CLI.run(["trace", "--format", "json", "--events", "exec,exit", "--syscalls", "openat,connect", "--"] + arguments)
        #expect(v.status == 0, "\(v.stderr)")
        var vigil: [Int: [String: Int]] = [:]
        for e in try events(v.stdout) {
            guard let pid = e["pid"] as? Int else { continue }
            switch e["event"] as? String {
            case "syscall": vigil[pid, default: [:]][e["syscall"] as? String ?? "?", default: 0] += 1
            case "exec" where e["ret"] as? Int == 0: vigil[pid, default: [:]]["execve", default: 0] += 1
            case "exit": vigil[pid, default: [:]]["exit_group", default: 0] += 1
            default: break
            }
        }
        // The first process's execve happened before tracing started under strace only.
        func profile(_ counts: [String: Int]) -> String {
            counts.filter { $0.key != "execve" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
        #expect(strace.values.map(profile).sorted() == vigil.values.map(profile).sorted(),
                "strace: \(strace)\nvigil: \(vigil)")
        #expect(vigil.values.map { $0["execve"] ?? 0 }.reduce(0, +) >= 3)
        #expect(strace.count == 4 && vigil.count == 4)
    }
}

/// Syscall arguments as the program passed them, in every argument register, and
/// durations only when asked for (they need the entry hook).
@Suite(.ownThread, .serialized) struct TraceSyscallArgumentTests {
    let helper = TraceCommandTests()

    func build() throws -> String { try TraceSensorTests.compile("syscall-args", data: "0123456789abcdef\n") }

    func trace(_ dir: String, _ flags: [String]) throws -> [[String: Any]] {
        let r = try CLI.run(["trace", "--format", "json", "--syscalls", "openat,pread64,mmap,nanosleep,clock_nanosleep"]
                            + flags + ["--", dir + "/syscall-args", dir + "/data.txt"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("lost: 0 in the kernel"), "\(r.stderr)")
        return try helper.events(r.stdout)
    }

    /// The resolved path of an open is walked in the kernel from the file's dentry up,
    /// across mount points; the kernel's own answer is /proc/self/fd/N. Paths here cross
    /// procfs, sysfs, stacked tmpfs and cgroup mounts, and a directory 30 levels deep
    /// with a 255-byte name.
    @Test(.requiresRoot) func resolvedPathsAreTheKernelsOwn() throws {
        try requireRoot()
        let dir = try TraceSensorTests.compile("open-paths", data: "data\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var deep = dir
        for i in 0..<30 { deep += "/d\(i)" }
        deep += "/" + String(repeating: "n", count: 255)
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        try "x".write(toFile: deep + "/leaf", atomically: false, encoding: .utf8)
        let shm = "/dev/shm/vigil-open-paths-\(getpid())"
        try "x".write(toFile: shm, atomically: false, encoding: .utf8)
        defer { unlink(shm) }
        let candidates = [dir + "/data.txt", deep + "/leaf", shm, "/proc/self/status", "/proc/sys/kernel/ostype",
                          "/sys/kernel/mm/transparent_hugepage/enabled", "/sys/fs/cgroup/cgroup.controllers",
                          "/sys/fs/cgroup/unified/cgroup.controllers", "/sys/fs/cgroup/memory/memory.stat", "/etc/hostname"]
        let paths = candidates.filter { FileManager.default.isReadableFile(atPath: $0) }
        #expect(paths.count >= 6, "too few of the test's files exist here: \(paths)")
        let output = dir + "/events.jsonl"
        let r = try CLI.run(["trace", "--format", "json", "--events", "open", "--string-size", "4000", "-o", output, "--", dir + "/open-paths"] + paths)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let truth = r.stdout.split(separator: "\n").compactMap { line -> (Int, String)? in
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let fd = Int(parts[0]) else { return nil }
            return (fd, String(parts[1]))
        }
        #expect(truth.count == paths.count, "the fixture printed \(truth)")
        let opens = try helper.events(String(contentsOfFile: output, encoding: .utf8))
            .filter { $0["event"] as? String == "open" && $0["comm"] as? String == "open-paths" }
        for (fd, path) in truth {
            // The last open that returned fd: the fixture keeps its files open, so the
            // loader's earlier opens that returned the same number came before.
            let event = opens.last { $0["ret"] as? Int == fd }
            #expect(event?["resolved_path"] as? String == path, "fd \(fd): the kernel says \(path)")
            #expect(event?["path_truncated"] as? Bool == false)
        }
    }

    @Test(.requiresRoot) func argumentsInEveryRegisterAreThoseTheProgramPassed() throws {
        try requireRoot()
        let dir = try build()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for flags in [[], ["--durations"]] {
            let all = try trace(dir, flags)
            func args(_ e: [String: Any]) -> [String: Any] { e["args"] as? [String: Any] ?? [:] }
            let open = try #require(all.first { $0["syscall"] as? String == "openat" && args($0)["filename"] as? String == dir + "/data.txt" },
                                    "no openat of the data file with \(flags)")
            #expect(args(open)["dfd"] as? Int == -100)
            #expect(args(open)["flags"] as? Int == Int(O_RDWR | O_CREAT | O_CLOEXEC))
            #expect(args(open)["mode"] as? Int == 0o640)
            let fd = try #require(open["ret"] as? Int)
            // The last of each: the dynamic loader reads and maps libraries first.
            let pread = try #require(all.last { $0["syscall"] as? String == "pread64" })
            #expect(args(pread)["fd"] as? Int == fd && args(pread)["count"] as? Int == 7 && args(pread)["pos"] as? Int == 3)
            #expect(pread["ret"] as? Int == 7)
            let mmap = try #require(all.last { $0["syscall"] as? String == "mmap" && args($0)["fd"] as? Int == fd })
            #expect(args(mmap)["len"] as? Int == 4096 && args(mmap)["prot"] as? Int == Int(PROT_READ))
            #expect(args(mmap)["flags"] as? Int == Int(MAP_PRIVATE) && args(mmap)["off"] as? Int == 0)
            let sleep = try #require(all.first { ["nanosleep", "clock_nanosleep"].contains($0["syscall"] as? String) && $0["ret"] as? Int == 0 })
            if flags.isEmpty {
                // Traced at exit only: nothing timed the entry.
                #expect(all.allSatisfy { $0["duration_ns"] is NSNull }, "durations without --durations")
            } else {
                let ns = try #require(sleep["duration_ns"] as? Int)
                #expect(ns >= 30_000_000 && ns < 2_000_000_000, "a 30 ms sleep took \(ns) ns")
                #expect(all.allSatisfy { ($0["duration_ns"] as? Int ?? -1) >= 0 })
            }
        }
    }
}
