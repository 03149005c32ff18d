import Foundation
import Glibc
import Synchronization
import Testing
import VigilSQL
@testable import VigilAgent
import VigilTestSupport

/// Spins on its own thread until told to stop, and reports its own CPU time.
final class BusyThread: Sendable {
    let stop = Atomic<Bool>(false)
    let cpuNanoseconds = Atomic<Int64>(0)
    let started = Atomic<Bool>(false)

    func start() {
        let thread = Thread { [self] in
            let begin = ThreadCPUTime.now()
            started.store(true, ordering: .releasing)
            var x: UInt64 = 1
            while !stop.load(ordering: .relaxed) {
                for _ in 0..<10_000 { x = x &* 6_364_136_223_846_793_005 &+ 1 }
            }
            let end = ThreadCPUTime.now()
            cpuNanoseconds.store(end.userNanoseconds + end.systemNanoseconds - begin.userNanoseconds - begin.systemNanoseconds + Int64(x & 1), ordering: .releasing)
            stop.store(false, ordering: .releasing)
        }
        thread.start()
        while !started.load(ordering: .acquiring) { usleep(1000) }
    }

    /// Stop and wait; the thread's CPU time.
    func finish() -> Int64 {
        stop.store(true, ordering: .releasing)
        while stop.load(ordering: .acquiring) { usleep(1000) }
        return cpuNanoseconds.load(ordering: .acquiring)
    }
}

@Suite(.ownThread, .serialized) struct QueryCostTests {
    /// A CPU-heavy query over real tables: CPU is plausible (non-zero, not above wall time
    /// for one thread), system time shows the /proc reads, rows and bytes are counted.
    @Test func heavyQueryCostIsPlausible() throws {
        let database = try realDatabase()
        let sql = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500000)
            SELECT (SELECT count(*) FROM n) AS counted,
                   (SELECT count(*) FROM file WHERE path LIKE '/usr/include/%%') + (SELECT count(*) FROM file WHERE path LIKE '/etc/%%') AS files,
                   p.pid, p.name FROM processes p
            """
        let run = try QueryExecutor.run(sql, on: database)
        let cost = run.cost
        #expect(run.rows.count > 1)
        #expect(run.rows.allSatisfy { $0["counted"] == "1500000" })
        #expect(cost.rows == run.rows.count)
        #expect(cost.outputBytes == run.rows.reduce(0) { $0 + ResultLogFormat.object($1).utf8.count })
        #expect(cost.userNanoseconds > 50_000_000, "user \(cost.userNanoseconds)")
        #expect(cost.systemNanoseconds > 0, "stat(2) of every file under /usr/include and /etc costs system time")
        let cpu = cost.userNanoseconds + cost.systemNanoseconds
        // One thread cannot use more CPU than wall time (rusage ticks allow a little slack).
        #expect(cpu <= cost.wallNanoseconds + 20_000_000, "cpu \(cpu) wall \(cost.wallNanoseconds)")
        if let memory = cost.memoryBytes { #expect(memory >= 0) }
    }

    /// Two spans that overlap share the process's one high-water mark, so neither gets
    /// a figure; the peak that one query drives is checked in a process of its own
    /// (`ProfileQueriesTests.memoryFollowsTheQuery`), since tests here run side by side.
    @Test func overlappingSpansReportNoMemoryFigure() throws {
        let first = MemoryPeak.start()
        try #require(first != nil, "/proc/self/clear_refs is not writable")
        let second = MemoryPeak.start()
        #expect(second != nil)
        #expect(MemoryPeak.growth(since: second) == nil)
        #expect(MemoryPeak.growth(since: first) == nil)
    }

    /// The query's CPU is its own thread's: a thread spinning beside it during the query
    /// is not billed to it (osquery's process-wide deltas would bill it).
    @Test func anotherThreadsWorkIsNotBilled() throws {
        let database = try realDatabase()
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT count(*) AS c FROM n"
        let busy = BusyThread()
        let processBefore = processCPU()
        busy.start()
        let run = try QueryExecutor.run(sql, on: database)
        let busyCPU = busy.finish()
        let processAfter = processCPU()
        let queryCPU = run.cost.userNanoseconds + run.cost.systemNanoseconds
        let processSpent = processAfter - processBefore
        #expect(queryCPU > 50_000_000, "query \(queryCPU)")
        #expect(busyCPU > 50_000_000, "busy thread \(busyCPU)")
        // The query's figure leaves out the busy thread: together they fit in what the process spent.
        #expect(queryCPU + busyCPU <= processSpent + 30_000_000, "query \(queryCPU) + busy \(busyCPU) vs process \(processSpent)")
        #expect(queryCPU <= run.cost.wallNanoseconds + 20_000_000)
    }

    @Test func failedQueryStillReportsCost() throws {
        let database = try realDatabase()
        #expect {
            _ = try QueryExecutor.run("SELECT * FROM no_such_table", on: database)
        } throws: { error in
            guard let failure = error as? QueryFailure else { return false }
            return failure.error.message.contains("no such table") && failure.cost.rows == 0
        }
    }

    private func processCPU() -> Int64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func ns(_ tv: timeval) -> Int64 { Int64(tv.tv_sec) * 1_000_000_000 + Int64(tv.tv_usec) * 1000 }
        return ns(usage.ru_utime) + ns(usage.ru_stime)
    }
}
