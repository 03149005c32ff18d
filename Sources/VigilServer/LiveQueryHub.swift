import Synchronization

/// The held-open reads of the agents connected to this server, by host id. A new live
/// query wakes the reads of its targets at once; a read that nothing wakes ends at its
/// timeout. Only waiting connections live here: the queries themselves are in the store,
/// so a second server on the same database serves them to its own agents.
final class LiveQueryHub: Sendable {
    private let waiters = Mutex<[Int64: [Int: AsyncStream<Void>.Continuation]]>([:])
    private let nextToken = Atomic<Int>(0)
    /// Set when the server stops: held reads end and new ones are not held.
    private let closed = Atomic<Bool>(false)

    /// How many reads are held open now.
    var heldReads: Int { waiters.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// Wait until `wake(hostIDs:)` names this host or `seconds` pass. The wait is
    /// registered before `ready` runs, so a query stored just before cannot be missed:
    /// when `ready` says there is work already, the wait ends at once.
    func wait(hostID: Int64, seconds: Int, ready: () async -> Bool) async {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        waiters.withLock { $0[hostID, default: [:]][token] = continuation }
        defer {
            waiters.withLock { w in
                w[hostID]?.removeValue(forKey: token)
                if w[hostID]?.isEmpty == true { w[hostID] = nil }
            }
        }
        if closed.load(ordering: .relaxed) { return }
        if await ready() { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in stream { return } }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
            // Whichever ends first (a wake or the timeout) ends the wait.
            await group.next()
            group.cancelAll()
        }
    }

    /// End every held read, and hold no more (the server is stopping: each answers at once).
    func close() {
        closed.store(true, ordering: .relaxed)
        let woken = waiters.withLock { w in w.values.flatMap { Array($0.values) } }
        for continuation in woken { continuation.yield() }
    }

    /// Wake the held reads of these hosts.
    func wake(hostIDs: [Int64]) {
        let woken = waiters.withLock { w in hostIDs.flatMap { w[$0].map { Array($0.values) } ?? [] } }
        for continuation in woken { continuation.yield() }
    }
}
