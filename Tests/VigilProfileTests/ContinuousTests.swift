import Testing
import VigilProfile
import VigilTestSupport

/// The pieces of continuous profiling that need no kernel: the bounded queue and
/// the probabilistic gate.
@Suite(.ownThread) struct ContinuousTests {
    @Test func queueOverwritesTheOldestAndCountsIt() {
        let q = BoundedQueue<Int>(capacity: 3)
        for i in 1...5 { q.push(i) }
        #expect(q.count == 3)
        #expect(q.dropped == 2)
        #expect(q.popAll() == [3, 4, 5])
        #expect(q.pop() == nil)
        q.push(6)
        #expect(q.pop() == 6)
        #expect(q.dropped == 2)
    }

    @Test func queueIsSafeAcrossThreads() async {
        let q = BoundedQueue<Int>(capacity: 1000)
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<4 { group.addTask { for i in 0..<500 { q.push(t * 1000 + i) } } }
        }
        // 2000 pushed into 1000 places: exactly 1000 kept and 1000 counted.
        #expect(q.count == 1000)
        #expect(q.dropped == 1000)
    }

    @Test func thresholdOf100IsAlwaysOnAndDrawsNothing() {
        var gate = ProbabilisticGate(threshold: 100, intervalNanoseconds: 10, random: { Issue.record("drew"); return 99 })
        let answers = stride(from: Int64(0), to: 100, by: 3).map { gate.isOn(at: $0) }
        #expect(answers.allSatisfy { $0 })
    }

    /// On when the threshold is greater than the number drawn, for the whole interval.
    @Test func oneDrawPerInterval() {
        let draws = DrawSequence([10, 60, 49, 50])
        var gate = ProbabilisticGate(threshold: 50, intervalNanoseconds: 100, random: { draws.next() })
        // 10 < 50: on; same interval, no draw; 60: off; 49: on; 50 is not below 50,
        // and asked late the decision stays on the interval grid.
        let answers = [0, 99, 100, 150, 200, 399].map { gate.isOn(at: Int64($0)) }
        #expect(answers == [true, true, false, false, true, false])
        #expect(gate.nextDecision == 400)
        #expect(draws.used == 4)
    }

    /// Over many intervals the share that is on follows the threshold.
    @Test func shareOfIntervalsFollowsTheThreshold() {
        var gate = ProbabilisticGate(threshold: 30, intervalNanoseconds: 1)
        let on = (0..<20_000).filter { gate.isOn(at: Int64($0)) }.count
        #expect(abs(Double(on) / 20_000 - 0.30) < 0.02, "\(on) of 20000")
    }
}

final class DrawSequence: @unchecked Sendable {
    private var values: [Int]
    private(set) var used = 0
    init(_ values: [Int]) { self.values = values }
    func next() -> Int { used += 1; return values.removeFirst() }
}
