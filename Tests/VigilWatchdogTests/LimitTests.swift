import Testing
import VigilWatchdog
import VigilTestSupport

/// The watchdog's judgement on synthetic samples: osquery's meaning of each limit.
@Suite(.ownThread) struct LimitTests {
    let second: Int64 = 1_000_000_000
    let mb: Int64 = 1 << 20

    func usage(_ cpuSeconds: Double, _ rssMB: Int64, at t: Int64) -> ProcessUsage {
        ProcessUsage(cpuNanoseconds: Int64(cpuSeconds * 1e9), residentBytes: rssMB * mb, at: t * second)
    }

    /// Restrictive: over 5% of all cores for 6 s. On 2 cores, one busy core is 50%.
    @Test func cpuMustStayOverTheLimitForTheWholeWindow() {
        var m = LimitMonitor(limits: Limits(memoryMB: 100, utilizationPercent: 5, latencySeconds: 6, delaySeconds: 0), cores: 2, started: 0)
        var breaches: [Breach?] = []
        for t in 0...8 { breaches.append(m.observe(usage(Double(t), 50, at: Int64(t)))) }
        // Busy from t=0: over the limit since the first interval, 6 s reached at t=6.
        #expect(breaches[0...5].allSatisfy { $0 == nil })
        let b = breaches[6]
        #expect(b?.limit == .cpu && b?.seconds == 6)
        #expect(abs((b?.measured ?? 0) - 50) < 0.01)
        #expect(b?.description == "cpu: 50.0% of all cores for 6.0 s (limit 5% for 6 s)")
    }

    @Test func aQuietSecondResetsTheWindow() {
        var m = LimitMonitor(limits: Limits(memoryMB: 100, utilizationPercent: 5, latencySeconds: 3, delaySeconds: 0), cores: 1, started: 0)
        let cpu = [0.0, 1, 2, 2.01, 3, 4, 5]  // busy, busy, quiet, busy, busy, busy
        let results = cpu.enumerated().map { m.observe(usage($0.element, 10, at: Int64($0.offset))) }
        #expect(results[0...5].allSatisfy { $0 == nil })
        #expect(results[6]?.limit == .cpu)
    }

    @Test func memoryIsMeasuredFromTheInitialFootprint() {
        var m = LimitMonitor(limits: Limits(memoryMB: 100, utilizationPercent: 10, latencySeconds: 12, delaySeconds: 0), cores: 2, started: 0)
        #expect(m.observe(usage(0, 300, at: 1)) == nil)     // 300 MB at start is the footprint
        #expect(m.initialFootprint == 300 * mb)
        #expect(m.observe(usage(0, 400, at: 2)) == nil)     // exactly 100 above: not over
        let b = m.observe(usage(0, 401, at: 3))
        #expect(b?.limit == .memory && b?.measured == 101)
    }

    @Test func nothingIsJudgedDuringTheDelay() {
        var m = LimitMonitor(limits: Limits(memoryMB: 10, utilizationPercent: 5, latencySeconds: 1, delaySeconds: 5), cores: 1, started: 0)
        let early = (0...4).map { m.observe(usage(Double($0), 10 + Int64($0) * 100, at: Int64($0))) }
        #expect(early.allSatisfy { $0 == nil })
        #expect(m.observe(usage(5, 500, at: 5))?.limit == .memory)
    }

    @Test func backoffDoublesToItsCapResetsWhenHealthyAndSpotsALoop() {
        var b = Backoff(initialSeconds: 1, maximumSeconds: 8, healthySeconds: 60, loopRestarts: 5, loopWindowSeconds: 300)
        let delays = (0..<6).map { b.workerEnded(lifetime: 1, at: Double($0)) }
        #expect(delays.map(\.delay) == [1, 2, 4, 8, 8, 8])
        #expect(delays.map(\.crashLoop) == [false, false, false, false, true, true])
        // A worker that ran an hour was healthy: back to 1 s, and the old restarts age out.
        #expect(b.workerEnded(lifetime: 3600, at: 4000) == (1, false))
    }

    /// One marked run held for the latency limit while the worker did nothing (under
    /// 1% of a core, under 1 MiB read) is a stall; runs that end and start again (a
    /// new start, even of the same query) are progress, and so is a run that computes
    /// or reads: each window in which it worked starts a new one.
    @Test func aQueryHeldWithNoProgressIsStalled() {
        var m = StallMonitor(limits: Limits(memoryMB: 100, utilizationPercent: 5, latencySeconds: 6, delaySeconds: 0), started: 0)
        let run = { (start: Int64) in ExecutingQuery(name: "history", started: start) }
        let idle = WorkDone(cpuNanoseconds: 1_000_000_000, readBytes: 5000)
        // Every 2 s a new run of the same query: never stalled.
        for t in stride(from: 0, through: 20, by: 2) {
            #expect(m.observe(run(Int64(t)), work: idle, at: Int64(t) * second) == nil)
        }
        #expect(m.observe(nil, work: nil, at: 22 * second) == nil)
        // One run that computes (a quarter of a core): never stalled.
        for t in stride(from: 24, through: 60, by: 2) {
            let busy = WorkDone(cpuNanoseconds: Int64(t) * second / 4, readBytes: 5000)
            #expect(m.observe(run(24), work: busy, at: Int64(t) * second) == nil)
        }
        // One that reads 1 MiB a second with no CPU: never stalled either.
        for t in stride(from: 62, through: 90, by: 2) {
            let reading = WorkDone(cpuNanoseconds: 0, readBytes: Int64(t) << 20)
            #expect(m.observe(run(62), work: reading, at: Int64(t) * second) == nil)
        }
        // One blocked from t=92 (10 ms of CPU and 4 kB read by the worker's other
        // threads in 6 s): judged at t=98, not before.
        for t in stride(from: 92, through: 96, by: 2) {
            #expect(m.observe(run(92), work: idle, at: Int64(t) * second) == nil)
        }
        let b = m.observe(run(92), work: WorkDone(cpuNanoseconds: idle.cpuNanoseconds + 10_000_000, readBytes: 9096), at: 98 * second)
        #expect(b?.limit == .stalled && b?.measured == 6)
        #expect(b?.description == "stalled: one query ran 6.0 s with no progress (under 1% of a core and 1 MiB read; limit 6 s)")
    }
}
