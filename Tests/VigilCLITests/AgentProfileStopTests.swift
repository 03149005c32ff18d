import Foundation
import Testing
import VigilTestSupport

/// The agent's continuous profiler on SIGTERM: the interval under way is written,
/// not lost (issue 17: the writer used to stop before the profiler handed it over).
@Suite(.ownThread, .serialized) struct AgentProfileStopTests {
    @Test(.requiresRoot) func theLastPartialProfileIsWrittenOnSIGTERM() throws {
        try requireRoot()
        let go = try #require(["/usr/bin/go", "/usr/lib/go/bin/go"].first { FileManager.default.isExecutableFile(atPath: $0) },
                              "go is installed by scripts/bootstrap")
        let busy = try spawnClean(["/bin/sh", "-c", "while :; do :; done"])
        defer { kill(busy, SIGKILL); reap(busy) }
        // One interval of 10 minutes: whatever is written on SIGTERM is the partial one.
        // No event tables, so the profiler's are the worker's only BPF links.
        let started = Date()
        let agent = try RunningAgent(config: "schedule: {}\noptions:\n  disable_events: true\n  profiling_interval: 600\n  profiling_frequency: 49\n")
        defer { agent.stop() }
        #expect(TraceCommandTests.waitUntilAttached(commandLineHas: ["--worker", "--data-dir", agent.dataDirectory]), "the profiler never attached: \(agent.log)")
        Thread.sleep(forTimeInterval: 2)
        kill(busy, SIGKILL)
        // Symbolizing the last interval takes seconds in a debug build on a loaded machine;
        // the supervisor gives an orderly stop 30 s.
        #expect(agent.stop(within: 40) == 0, "\(agent.log)")
        let stopped = Date()

        let directory = agent.dataDirectory + "/profiles"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("profile-") }
        try #require(files.count == 1, "profiles written: \(files); log:\n\(agent.log)")
        // The pprof holds at least the busy loop's two seconds at 49 Hz (about 98 samples,
        // fewer when other tests share the cores), and no more than two CPUs could give.
        let raw = try CLI.run(["tool", "pprof", "-raw", directory + "/" + files[0]], executable: go)
        #expect(raw.status == 0, "\(raw.stderr)")
        let samples = Self.sampleCount(raw.stdout)
        #expect(samples >= 30, "\(samples) samples in \(files[0])")
        let seconds = stopped.timeIntervalSince(started)
        #expect(Double(samples) <= seconds * 49 * 2 * 1.1, "\(samples) samples in \(seconds) s on two CPUs")
    }

    /// The sum of the first value of each sample in `go tool pprof -raw` output
    /// ("Samples:", a header line, then "  COUNT  NANOS: LOCATION IDS" lines).
    static func sampleCount(_ raw: String) -> Int {
        let lines = raw.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "Samples:") else { return 0 }
        return lines[(start + 2)...].prefix { $0.hasPrefix(" ") }
            .compactMap { $0.split(separator: " ").first.flatMap { Int($0) } }
            .reduce(0, +)
    }
}
