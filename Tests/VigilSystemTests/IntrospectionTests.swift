import Foundation
import Testing
import VigilSystem
import VigilTestSupport

/// Memory statistics and thread snapshots against /proc read independently.
@Suite(.ownThread) struct IntrospectionTests {
    @Test func memoryMatchesProcStatus() throws {
        // Other tests in this process start and end threads (an 8 MB stack each) between
        // the reads, so the virtual size is checked against /proc before and after.
        let before = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let m = try MemoryStatistics.read()
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let sizeBefore = Int64(before.split(separator: "\n").first { $0.hasPrefix("VmSize:") }!.split(whereSeparator: { $0 == " " || $0 == "\t" })[1])! * 1024
        func kB(_ key: String) -> Int64 {
            let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") }!
            return Int64(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1])! * 1024
        }
        // RSS moves between the two reads; the peak and virtual size barely do.
        #expect(abs(m.residentBytes - kB("VmRSS")) < 8 << 20)
        #expect(m.peakResidentBytes >= m.residentBytes - (8 << 20))
        #expect(m.anonymousBytes + m.fileBytes > 0)
        let low = min(sizeBefore, kB("VmSize")) - (16 << 20), high = max(sizeBefore, kB("VmSize")) + (16 << 20)
        #expect(m.virtualBytes >= low && m.virtualBytes <= high, "\(m.virtualBytes) not within \(low)...\(high)")
        #expect((m.heapInUseBytes ?? 0) > 0)
    }

    @Test func threadsAreListedWithTheirNames() throws {
        // The thread waits until the test is done: a fixed sleep could end before a
        // loaded machine let the test look.
        let done = DispatchSemaphore(value: 0), named = DispatchSemaphore(value: 0)
        let idleThread = Thread {
            // Through the kernel's own file, not Foundation's Thread.name: on Linux that setter
            // names the OS thread only once start() has stored its handle, which it does after
            // the thread is created, so a thread that runs first stays unnamed (seen once in CI).
            try? "vigil-test-idle".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            named.signal()
            _ = done.wait(timeout: .now() + 120)
        }
        idleThread.start()
        defer { done.signal() }
        // Under load the thread can take seconds to start and name itself (a fixed
        // 5 s wait was once not enough in a parallel run): wait until it has.
        try #require(named.wait(timeout: .now() + 60) == .success, "the thread never ran")
        // Named, then asleep on the semaphore a moment later.
        // (Up to 30 s: a loaded run once took over a minute to start the thread at all.)
        for _ in 0..<600 where ThreadSnapshot.all().first(where: { $0.name == "vigil-test-idle" })?.state != "S" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let threads = ThreadSnapshot.all()
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        #expect(abs(threads.count - tasks.count) <= 2, "\(threads.count) vs \(tasks.count)")
        let idle = threads.first { $0.name == "vigil-test-idle" }
        #expect(idle != nil, "\(threads.map(\.name))")
        #expect(idle?.state == "S")
        #expect(idle?.waitChannel.isEmpty == false || idle?.syscall != nil)
        #expect(threads.contains { $0.tid == ThreadSnapshot.currentThreadID() })
    }

    @Test func statusLinesParse() {
        let m = MemoryStatistics.parse(status: Array("Name:\tx\nVmSize:\t  2048 kB\nVmHWM:\t 300 kB\nVmRSS:\t     200 kB\nRssAnon:\t 150 kB\nRssFile:\t 50 kB\n".utf8))
        #expect([m.residentBytes, m.peakResidentBytes, m.anonymousBytes, m.fileBytes, m.virtualBytes]
                == [200 << 10, 300 << 10, 150 << 10, 50 << 10, 2048 << 10])
        #expect(m.heapInUseBytes == nil)
    }
}
