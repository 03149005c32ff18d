// Worker processes, when the agents' connections do not fit one process's open-file
// limit: the generator runs itself again with `--worker K/N`. Over its standard
// output a worker says how many of its agents have enrolled ("enrolled N") and at the
// end sends its report ("report {json}"); over its standard input the parent tells it
// when the steady window starts ("steady") and ends ("stop").
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// What a worker measured in the steady window.
struct WorkerReport: Codable {
    var cpuSeconds: Double
    var rssMB: Double
    var endpoints: [String: Stats.Endpoint]
    /// Live query → its last answer here, monotonic nanoseconds.
    var liveAnswers: [String: UInt64]
}

enum Worker {
    /// The worker's side.
    static func run(share: Share, fleet: Fleet, group: EventLoopGroup, stats: Stats) async {
        let crew = Crew(fleet: fleet, group: group, share: share)
        crew.start()
        let done = Counter()
        // Commands on a thread of their own: the steady window starts and ends when the
        // parent says, not at the next turn of a polling loop.
        let reader = Thread {
            var cpu0 = 0.0
            while let line = readLine() {
                switch line {
                case "steady":
                    cpu0 = ownCPUSeconds()
                    stats.phase.store(1, ordering: .relaxed)
                case "stop":
                    stats.phase.store(2, ordering: .relaxed)
                    let report = WorkerReport(cpuSeconds: ownCPUSeconds() - cpu0, rssMB: ownRSSMegabytes(), endpoints: stats.raw(),
                                              liveAnswers: fleet.live.all)
                    let json = (try? JSONEncoder().encode(report)) ?? Data()
                    say("report " + String(decoding: json, as: UTF8.self))
                    done.add()
                    return
                default:
                    note("worker \(share.text): unknown command '\(line)'")
                }
            }
            // The parent is gone.
            done.add()
        }
        reader.start()
        var last = -1
        while done.value == 0 {
            let n = fleet.enrolled.value
            if n != last {
                say("enrolled \(n)")
                last = n
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        await crew.stop()
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// The parent's side of one worker. Its Process is touched only in init, the rest is
/// Sendable, hence @unchecked.
final class WorkerProcess: @unchecked Sendable {
    let share: Share
    private let process: Process
    private let input: FileHandle
    private let state = Mutex<(enrolled: Int, report: WorkerReport?, ended: Bool)>((0, nil, false))

    init(share: Share) throws {
        self.share = share
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = Array(CommandLine.arguments.dropFirst()) + ["--worker", share.text]
        let toWorker = Pipe(), fromWorker = Pipe()
        process.standardInput = toWorker
        process.standardOutput = fromWorker
        input = toWorker.fileHandleForWriting
        try process.run()
        let output = fromWorker.fileHandleForReading
        Thread { [self] in
            var pending = Data()
            // availableData: what has arrived (read(upToCount:) would wait for the whole count).
            while case let chunk = output.availableData, !chunk.isEmpty {
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    if line.hasPrefix("enrolled "), let n = Int(line.dropFirst("enrolled ".count)) {
                        state.withLock { $0.enrolled = n }
                    } else if line.hasPrefix("report ") {
                        let report = try? JSONDecoder().decode(WorkerReport.self, from: Data(line.dropFirst("report ".count).utf8))
                        state.withLock { $0.report = report }
                    }
                }
            }
            state.withLock { $0.ended = true }
        }.start()
    }

    var enrolled: Int { state.withLock { $0.enrolled } }

    func command(_ line: String) {
        try? input.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The report after "stop" (nil if the worker ended without one or took over a minute).
    func report() async -> WorkerReport? {
        for _ in 0..<600 {
            let (report, ended) = state.withLock { ($0.report, $0.ended) }
            if report != nil || ended { return report }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}
