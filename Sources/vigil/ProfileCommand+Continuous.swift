import ArgumentParser
import Glibc
import VigilProfile
import VigilSystem

extension ProfileCommand {
    /// `--interval`: one profile per interval, written into --output-dir as it
    /// comes off the profiler's queue, until Ctrl-C, SIGTERM or --duration.
    func runContinuous(sampler: SamplerOptions, interval: Double, duration: Double?) throws {
        let directory = outputDir ?? "."
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            FileDescriptorText.write("vigil profile: cannot create \(directory): \(String(cString: strerror(errno)))\n", to: 2)
            throw ExitCode(2)
        }
        var options = ContinuousOptions()
        options.sampler = sampler
        options.intervalNanoseconds = Int64(interval * 1e9)
        options.probabilisticThreshold = probabilisticThreshold
        options.probabilisticIntervalNanoseconds = (try? DurationText.nanoseconds(probabilisticInterval)) ?? 60_000_000_000
        let profiler = ContinuousProfiler(options: options)
        StopSignals.install()
        defer { StopSignals.remove() }
        let start = Clock.monotonicNanoseconds()
        let deadline = duration.map { start + Int64($0 * 1e9) }
        var written = 0
        FileDescriptorText.write("profiling continuously: one profile every \(interval) s into \(directory) (Ctrl-C to stop)\n", to: 2)
        do {
            while !StopSignals.requested {
                let now = Clock.monotonicNanoseconds()
                if let deadline, now >= deadline { break }
                try profiler.step(now: now)
                written += try writeQueued(profiler.queue, into: directory)
                usleep(50_000)
            }
            profiler.stop()
            written += try writeQueued(profiler.queue, into: directory)
        } catch {
            profiler.stop()
            // Keep what was collected before the failure.
            written += (try? writeQueued(profiler.queue, into: directory)) ?? 0
            FileDescriptorText.write("vigil profile: \(error)\n", to: 2)
            throw ExitCode(2)
        }
        var summary = "wrote \(written) profiles into \(directory)"
        if profiler.skippedIntervals > 0 { summary += "; \(profiler.skippedIntervals) intervals skipped by the probabilistic threshold" }
        if profiler.queue.dropped > 0 { summary += "; \(profiler.queue.dropped) dropped (queue full)" }
        FileDescriptorText.write(summary + "\n", to: 2)
    }

    /// Write every queued profile; returns how many.
    private func writeQueued(_ queue: BoundedQueue<IntervalProfile>, into directory: String) throws -> Int {
        var n = 0
        while let item = queue.pop() {
            let path = directory + "/" + item.fileName(format: format)
            try format.write(item.profile, to: path, title: "vigil profile (continuous)")
            if offCPU && format != .pprof {
                try format.write(item.profile, to: Self.offCPUPath(path), kind: .offCPU, title: "vigil profile (continuous, off-CPU)")
            }
            let s = item.statistics
            FileDescriptorText.write("\(path): \(s.samples) samples, \(s.droppedInKernel) dropped in the kernel\n", to: 2)
            n += 1
        }
        return n
    }
}
