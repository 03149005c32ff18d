import Foundation
import Glibc
import Synchronization
import Testing
import VigilTestSupport

/// A traced command's connection reaches TCP_CLOSE after the command has exited
/// when the peer acknowledges its FIN late: close() returns at once, the kernel
/// finishes the connection on its own. The trace waits for it (a bounded time) and
/// otherwise says it is missing. Ground truth: the bytes the test's server read.
@Suite(.ownThread, .serialized) struct TraceLateCloseTests {
    let sensor = TraceSensorTests()

    /// bash writes into a connection whose peer does not read (its window closes, so
    /// the FIN waits behind the data), then exits. With `readAfter`, the server reads
    /// to EOF that many seconds after accepting and returns the bytes it read; without,
    /// it closes unread once the trace has ended.
    func run(readAfter: Double?) throws -> (result: CLI.Result, port: Int, read: Int) {
        let (fd, port) = try sensor.listener()
        defer { close(fd) }
        let read = Atomic<Int>(-1)
        let release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            defer { done.signal() }
            let peer = accept(fd, nil, nil)
            guard peer >= 0 else { return }
            defer { close(peer) }
            _ = release.wait(timeout: .now() + (readAfter ?? 3600))
            guard readAfter != nil else { return }
            var total = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = Glibc.read(peer, &buffer, buffer.count)
                if n <= 0 { break }
                total += n
            }
            read.store(total, ordering: .relaxed)
        }.start()
        let script = "exec 3<>/dev/tcp/127.0.0.1/\(port); timeout 0.3 cat /dev/zero >&3; exit 0"
        let r = try CLI.run(["trace", "--format", "json", "--events", "connect,close", "--", "/bin/bash", "-c", script])
        release.signal()
        done.wait()
        return (r, port, read.load(ordering: .relaxed))
    }

    @Test(.requiresRoot) func aCloseThatCompletesAfterTheCommandExitedIsReported() throws {
        try requireRoot()
        let (r, port, read) = try run(readAfter: 0.5)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(read > 0)
        let events = try sensor.events(r.stdout)
        let closes = events.filter { $0["event"] as? String == "close" && $0["dport"] as? Int == port }
        #expect(events.filter { $0["event"] as? String == "connect" && $0["dport"] as? Int == port }.count == 1)
        #expect(closes.count == 1, "\(r.stderr)")
        #expect(closes.first?["bytes_sent"] as? Int == read, "the server read \(read) bytes: \(closes)")
        #expect(!r.stderr.contains("still closing"), "\(r.stderr)")
    }
}

extension TraceLateCloseTests {
    /// A peer that never reads: the connection is still closing when the wait ends,
    /// and the summary says its close is missing.
    @Test(.requiresRoot) func aCloseStillPendingIsSaidToBeMissing() throws {
        try requireRoot()
        let start = Date()
        let (r, port, _) = try run(readAfter: nil)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 30)
        let events = try sensor.events(r.stdout)
        #expect(events.filter { $0["event"] as? String == "close" && $0["dport"] as? Int == port }.isEmpty)
        #expect(r.stderr.contains("still closing when tracing stopped: 1 connection (close not reported)"), "\(r.stderr)")
    }
}
