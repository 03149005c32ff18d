import Foundation
import Glibc
import Synchronization
import Testing
import VigilTestSupport

/// Two tracers on one host, each reporting exactly: a system-wide `vigil trace` of
/// connects and closes (what the agent's event tables run) beside `vigil trace --
/// workload` runs, while an untraced process makes TCP connections all along, so
/// the kernel reuses socket memory between traced and untraced sockets. The ground
/// truth is the workload's own construction (N opens, M connects, K children).
@Suite(.ownThread, .serialized) struct TraceBesideTracerTests {
    let sensor = TraceSensorTests()

    /// An untraced churn of loopback connections in this process until stopped.
    final class Churn: Sendable {
        let stopping = Atomic<Bool>(false)
        let connections = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        func run(port: Int, listener: Int32) {
            defer { done.signal() }
            while !stopping.load(ordering: .relaxed) {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = UInt16(port).bigEndian
                addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
                let ok = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                } == 0
                let peer = ok ? accept(listener, nil, nil) : -1
                close(fd)
                if peer >= 0 { close(peer) }
                connections.add(1, ordering: .relaxed)
            }
        }
        func stop() {
            guard !stopping.exchange(true, ordering: .relaxed) else { return }
            done.wait()
        }
    }

    @Test(.requiresRoot) func aTraceBesideASystemWideTracerReportsItsWorkloadExactly() throws {
        try requireRoot()
        let dir = try TraceSensorTests.compile("workload", data: "data\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (fd, port) = try sensor.listener()
        defer { close(fd) }
        let (churnFD, churnPort) = try sensor.listener()
        defer { close(churnFD) }

        // The second tracer: every exec, exit, connect and close on the host.
        let wide = dir + "/wide.jsonl"
        let other = Process()
        other.executableURL = URL(fileURLWithPath: CLI.binary)
        other.arguments = ["trace", "--format", "json", "--events", "exec,exit,connect,close", "-o", wide, "--duration", "300s"]
        let otherErr = Pipe()
        other.standardError = otherErr
        other.standardOutput = FileHandle.nullDevice
        try other.run()
        defer { if other.isRunning { other.terminate() } }
        try #require(TraceCommandTests.waitUntilAttached(commandLineHas: ["-o", wide]), "the system-wide tracer never attached")

        let churn = Churn()
        Thread { churn.run(port: churnPort, listener: churnFD) }.start()
        defer { churn.stop() }

        let (opens, connects, children, code) = (7, 3, 2, 42)
        var workloads: [Int] = []
        for round in 0..<5 {
            let command = "cd \(dir) && exec ./workload data.txt \(opens) \(port) \(connects) \(children) \(code)"
            let r = try CLI.run(["trace", "--format", "json", "--events", "exec,exit,open,connect,close", "--", "/bin/sh", "-c", command])
            #expect(r.status == Int32(code), "round \(round): \(r.stderr)")
            #expect(r.stderr.contains("lost: 0 in the kernel"), "round \(round): \(r.stderr)")
            #expect(r.stderr.contains("skipped by the kernel: 0 "), "round \(round): \(r.stderr)")
            #expect(!r.stderr.contains("still closing"), "round \(round): \(r.stderr)")
            let all = try sensor.events(r.stdout)
            let exec = try #require(all.first { $0["event"] as? String == "exec" && $0["filename"] as? String == "./workload" && $0["ret"] as? Int == 0 })
            let pid = try #require(exec["pid"] as? Int)
            workloads.append(pid)
            let counts = Self.count(all, pid: pid, port: port)
            #expect(counts.opens == opens && counts.connects == connects && counts.closes == connects && counts.children == children,
                    "round \(round): opens \(counts.opens)/\(opens), connects \(counts.connects)/\(connects) (\(counts.connectsElsewhere) elsewhere), closes \(counts.closes)/\(connects), children \(counts.children)/\(children)\n\(r.stderr)")
            #expect(counts.exitCode == code)
            // Only the command's processes: the churn and the other tracer are not in it.
            #expect(all.allSatisfy { ($0["pid"] as? Int) == pid || ($0["ppid"] as? Int) == pid },
                    "round \(round): events of other processes")
        }
        churn.stop()
        other.interrupt()
        other.waitUntilExit()
        let otherSummary = String(decoding: otherErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(otherSummary.contains("lost: 0 in the kernel"), "\(otherSummary)")
        #expect(otherSummary.contains("skipped by the kernel: 0 "), "\(otherSummary)")
        #expect(churn.connections.load(ordering: .relaxed) > 0)

        // The system-wide tracer saw each workload exactly too.
        let seen = try sensor.events(String(contentsOfFile: wide, encoding: .utf8))
        for pid in workloads {
            let counts = Self.count(seen, pid: pid, port: port)
            #expect(counts.connects == connects && counts.closes == connects && counts.children == children && counts.exitCode == code,
                    "system-wide, workload \(pid): connects \(counts.connects) (\(counts.connectsElsewhere) elsewhere), closes \(counts.closes), children \(counts.children)")
        }
    }

    struct Counts { var opens = 0, connects = 0, connectsElsewhere = 0, closes = 0, children = 0, exitCode: Int? }

    /// What `events` say process `pid` did: opens of data.txt, connects and closes to
    /// `port` (and connects anywhere else, which it never made), children exec'd.
    static func count(_ events: [[String: Any]], pid: Int, port: Int) -> Counts {
        var c = Counts()
        for e in events {
            let event = e["event"] as? String
            if e["pid"] as? Int == pid {
                switch event {
                case "open" where e["path"] as? String == "data.txt": c.opens += 1
                case "connect" where e["dport"] as? Int == port && e["error"] is NSNull: c.connects += 1
                case "connect": c.connectsElsewhere += 1
                case "close" where e["dport"] as? Int == port: c.closes += 1
                case "exit": c.exitCode = e["exit_code"] as? Int
                default: break
                }
            } else if e["ppid"] as? Int == pid && event == "exec" && e["ret"] as? Int == 0 {
                c.children += 1
            }
        }
        return c
    }
}
