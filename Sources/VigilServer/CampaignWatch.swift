import Dispatch
import VigilSystem
import Synchronization

/// The live query streams open on this server, by campaign: a stream reads the store
/// when a target of its campaign is sent its query or answers (announced by whichever
/// server saw it, through the store), and otherwise only every few seconds, for targets
/// that go offline as time passes: a read per change per viewer, not a poll every 200 ms.
final class CampaignWatch: Sendable {
    private struct Follower {
        var campaign: Int64
        /// Woken while reading rather than waiting: the next wait ends at once.
        var pending = false
        var continuation: CheckedContinuation<Void, Never>?
    }
    private let followers = Mutex<[Int: Follower]>([:])
    private let nextToken = Atomic<Int>(0)

    /// Register a stream of `campaign`; `close` it when the stream ends.
    func open(_ campaign: Int64) -> Int {
        let token = nextToken.add(1, ordering: .relaxed).newValue
        followers.withLock { $0[token] = Follower(campaign: campaign) }
        return token
    }

    func close(_ token: Int) {
        followers.withLock { $0.removeValue(forKey: token) }?.continuation?.resume()
    }

    /// Wait until `wake` names this stream's campaign or `seconds` pass. The timer is a
    /// dispatch timer, not Task.sleep, so a busy cooperative pool cannot hold it back.
    func wait(_ token: Int, seconds: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = followers.withLock { f -> Bool in
                guard var follower = f[token], !follower.pending else {
                    f[token]?.pending = false
                    return true
                }
                follower.continuation = continuation
                f[token] = follower
                return false
            }
            if resumeNow { continuation.resume(); return }
            DispatchPause.timers.asyncAfter(deadline: .now() + seconds) { [self] in
                take(token)?.resume()
            }
        }
    }

    /// Each continuation is taken out under the lock, so it is resumed exactly once.
    private func take(_ token: Int) -> CheckedContinuation<Void, Never>? {
        followers.withLock { f in
            let c = f[token]?.continuation
            f[token]?.continuation = nil
            return c
        }
    }

    /// Wake the streams of these campaigns.
    func wake(campaigns: [Int64]) {
        let wanted = Set(campaigns)
        let woken = followers.withLock { f -> [CheckedContinuation<Void, Never>] in
            var out: [CheckedContinuation<Void, Never>] = []
            for (token, follower) in f where wanted.contains(follower.campaign) {
                if let c = follower.continuation {
                    out.append(c)
                    f[token]?.continuation = nil
                } else {
                    f[token]?.pending = true
                }
            }
            return out
        }
        for c in woken { c.resume() }
    }

    /// The server is stopping: every waiting stream reads once more and sees it.
    func wakeAll() {
        let woken = followers.withLock { f -> [CheckedContinuation<Void, Never>] in
            var out: [CheckedContinuation<Void, Never>] = []
            for token in Array(f.keys) {
                if let c = f[token]?.continuation { out.append(c) }
                f[token]?.continuation = nil
                f[token]?.pending = true
            }
            return out
        }
        for c in woken { c.resume() }
    }

    /// How many streams are open (for tests).
    var openStreams: Int { followers.withLock { $0.count } }
}
