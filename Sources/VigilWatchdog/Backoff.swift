/// When to start the worker again: exponential backoff (1 s, 2 s, 4 s, … up to a
/// cap), reset once a worker has stayed up long enough. It never gives up — a
/// host without its agent is worse than a restarting agent — but it says when the
/// restarts form a crash loop.
public struct Backoff: Sendable {
    public let initialSeconds: Double
    public let maximumSeconds: Double
    /// A worker that lived this long was healthy: start over from `initialSeconds`.
    public let healthySeconds: Double
    /// This many restarts within `loopWindowSeconds` is a crash loop.
    public let loopRestarts: Int
    public let loopWindowSeconds: Double
    private var failures = 0
    private var restarts: [Double] = []

    public init(initialSeconds: Double = 1, maximumSeconds: Double = 60, healthySeconds: Double = 60,
                loopRestarts: Int = 5, loopWindowSeconds: Double = 300) {
        self.initialSeconds = initialSeconds
        self.maximumSeconds = maximumSeconds
        self.healthySeconds = healthySeconds
        self.loopRestarts = loopRestarts
        self.loopWindowSeconds = loopWindowSeconds
    }

    /// A worker that lived `lifetime` seconds ended at `now` (seconds): how long to
    /// wait before the next one, and whether the agent is in a crash loop.
    public mutating func workerEnded(lifetime: Double, at now: Double) -> (delay: Double, crashLoop: Bool) {
        if lifetime >= healthySeconds { failures = 0 }
        var delay = initialSeconds
        for _ in 0..<min(failures, 32) { delay *= 2 }
        failures += 1
        restarts.append(now)
        restarts.removeAll { now - $0 > loopWindowSeconds }
        return (min(delay, maximumSeconds), restarts.count >= loopRestarts)
    }
}
