/// Probabilistic profiling as the otel profiling agent defines it: at the start
/// of every interval a random number from 0 to 99 is drawn, and profiling runs
/// for that whole interval when the threshold is greater than it. A threshold of
/// 100 (the default) is always on; 1–99 keeps roughly that percentage of
/// intervals, so a fleet's storage cost falls linearly with the threshold.
public struct ProbabilisticGate: Sendable {
    public let threshold: Int
    public let intervalNanoseconds: Int64
    private var decidedUntil: Int64 = .min
    private var on = true
    private var random: @Sendable () -> Int

    /// - Parameters:
    ///   - threshold: 1...100.
    ///   - random: draws from 0...99 (injectable for tests).
    public init(threshold: Int = 100, intervalNanoseconds: Int64 = 60_000_000_000,
                random: @escaping @Sendable () -> Int = { Int.random(in: 0..<100) }) {
        self.threshold = threshold
        self.intervalNanoseconds = max(intervalNanoseconds, 1)
        self.random = random
    }

    public var isAlwaysOn: Bool { threshold >= 100 }

    /// Whether to profile at `now` (a monotonic clock), drawing anew when the
    /// current interval is over.
    public mutating func isOn(at now: Int64) -> Bool {
        if now >= decidedUntil {
            on = isAlwaysOn || threshold > random()
            // Keep the intervals on their grid even when asked late.
            decidedUntil = decidedUntil == .min
                ? now + intervalNanoseconds
                : decidedUntil + intervalNanoseconds * ((now - decidedUntil) / intervalNanoseconds + 1)
        }
        return on
    }

    /// When the current decision ends.
    public var nextDecision: Int64 { decidedUntil }
}
