import Synchronization

/// A refused call, as its event reports it: which rule, by which mechanism.
public struct Denial: Sendable, Equatable {
    public var rule: String
    public var mechanism: String
}

/// Denials the enforcers made, for the events that report them. fanotify answers
/// before the call returns, so its record is here before the call's event leaves
/// the kernel; the event claims it by thread. Seccomp's are known from the plan.
public final class DenialLog: Sendable {
    private struct State {
        var byThread: [Int32: Denial] = [:]
        var counts: [String: Int] = [:]
    }
    private let state = Mutex(State())
    /// Enough for every thread with a refused call in flight; older records of calls
    /// whose events never came (untraced processes) are dropped.
    static let limit = 4096

    public init() {}

    /// fanotify refused a call of `tid`.
    func record(tid: Int32, _ denial: Denial) {
        state.withLock {
            if $0.byThread.count >= Self.limit { $0.byThread.removeAll() }
            $0.byThread[tid] = denial
            $0.counts[denial.mechanism, default: 0] += 1
        }
    }

    /// The denial of `tid`'s last refused call, once.
    func claim(tid: Int32) -> Denial? {
        state.withLock { $0.byThread.removeValue(forKey: tid) }
    }

    /// A seccomp denial, counted when its event arrives.
    func count(_ denial: Denial) {
        state.withLock { $0.counts[denial.mechanism, default: 0] += 1 }
    }

    /// Refused calls by mechanism.
    public var counts: [String: Int] { state.withLock { $0.counts } }
}
