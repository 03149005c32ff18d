import Glibc
import VigilProfile
import VigilSystem

/// A CPU profile of this process (the worker), taken without a restart, as Velociraptor's
/// Generic.Client.Profile does: pprof, plus a readable report of memory and threads.
/// Serves `vigil debug profile` (the admin socket) and a fleet server's request.
struct SelfProfile {
    var pprof: [UInt8]
    var report: String
    var samples: Int
    var seconds: Double

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sample this process for `seconds`; `abandon` is asked every 50 ms and ends the
    /// capture early (returning nil) when it says so.
    static func capture(seconds: Double, frequency: UInt64, abandon: () -> Bool) throws(Failure) -> SelfProfile? {
        var options = ContinuousOptions()
        options.sampler.pids = [getpid()]
        options.sampler.followChildren = false
        options.sampler.frequency = frequency
        // One interval longer than the capture: `stop()` queues exactly one profile.
        options.intervalNanoseconds = Int64((seconds + 3600) * 1e9)
        let profiler = ContinuousProfiler(options: options)
        let end = Clock.monotonicNanoseconds() + Int64(seconds * 1e9)
        do {
            while Clock.monotonicNanoseconds() < end {
                if abandon() {
                    profiler.stop()
                    return nil
                }
                try profiler.step()
                usleep(50_000)
            }
        } catch {
            profiler.stop()
            throw Failure(description: "cannot profile the agent: \(error)")
        }
        profiler.stop()
        guard let item = profiler.queue.pop() else { throw Failure(description: "the profiler produced no profile") }
        do {
            let bytes = try ProfileFormat.pprof.encode(item.profile, title: "vigil agent worker \(getpid())")
            return SelfProfile(pprof: bytes, report: SelfReport(profile: item.profile).render(),
                               samples: item.statistics.samples, seconds: item.statistics.seconds)
        } catch {
            throw Failure(description: "cannot encode the profile: \(error)")
        }
    }
}
