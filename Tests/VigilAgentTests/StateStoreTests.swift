import Foundation
import Testing
import VigilSQL
import VigilSystem
@testable import VigilAgent
import VigilTestSupport

@Suite(.ownThread) struct StateStoreTests {
    @Test func denylistSurvivesRestartAndExpires() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let path = dir + "/state.db"
        do {
            let store = try StateStore(path: path)
            try store.denylist("pack_x_hog", for: 86_400, reason: "memory", measured: "312 MB over 200 MB", at: 1000)
            try store.denylist("short", for: 10, reason: "cpu", measured: "40% for 14 s", at: 1000)
        }
        let store = try StateStore(path: path)
        let entry = try #require(try store.denylistEntry("pack_x_hog", at: 2000))
        #expect(entry == DenylistEntry(name: "pack_x_hog", until: 87_400, reason: "memory", measured: "312 MB over 200 MB", created: 1000))
        #expect(try store.denylistEntry("short", at: 1009) != nil)
        #expect(try store.denylistEntry("short", at: 1010) == nil, "expired")
        #expect(try store.denylisted(at: 1010).map(\.name) == ["pack_x_hog"])
        #expect(try store.removeExpiredDenylist(at: 1010) == 1)
        #expect(try store.denylistEntry("pack_x_hog", at: 87_400) == nil)
        try store.removeFromDenylist("pack_x_hog")
        #expect(try store.denylisted(at: 0).isEmpty)
    }

    @Test func executingMarker() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let store = try StateStore(path: dir + "/state.db")
        #expect(try store.executing() == nil)
        try store.markExecuting("q1", at: 50, pid: 1234)
        // Another connection (the supervisor) sees it at once.
        let supervisor = try StateStore(path: dir + "/state.db")
        #expect(try supervisor.executing() == StateStore.ExecutingMarker(name: "q1", started: 50, pid: 1234))
        try store.clearExecuting()
        #expect(try supervisor.executing() == nil)
    }

    @Test func statsTotalsLastValuesAndPercentiles() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let store = try StateStore(path: dir + "/state.db")
        for i in 1...150 {
            var cost = QueryCost()
            cost.wallNanoseconds = Int64(i) * 1_000_000
            cost.userNanoseconds = 2_000_000
            cost.systemNanoseconds = 1_000_000
            cost.memoryBytes = Int64(i) * 1000
            cost.outputBytes = 10
            cost.rows = i
            try store.recordRun("q", cost: cost, at: Int64(i), error: i == 7 ? "no such table: x" : nil)
        }
        let s = try #require(try store.stats("q"))
        #expect(s.executions == 150)
        #expect(s.lastExecuted == 150)
        #expect(s.wallTimeMilliseconds == (1...150).reduce(0, +))
        #expect(s.lastWallTimeMilliseconds == 150)
        #expect(s.userTimeMilliseconds == 300 && s.systemTimeMilliseconds == 150)
        #expect(s.lastUserMicroseconds == 2000 && s.lastSystemMicroseconds == 1000)
        #expect(s.averageMemory == 75_500 && s.lastMemory == 150_000)
        #expect(s.outputSize == 1500 && s.lastRows == 150)
        #expect(s.errors == 1 && s.lastError == "no such table: x")
        // The last 100 runs are 51…150 ms.
        #expect(s.recentWallMicroseconds.count == 100)
        #expect(s.wallPercentile(50) == 100_000)
        #expect(s.wallPercentile(95) == 145_000)
        #expect(s.wallPercentile(99) == 149_000)
        #expect(try store.lastExecuted() == ["q": 150])
    }

    @Test func rowCodecRoundTrip() {
        let rows: [ResultRow] = [["a": "1", "b": ""], [:], ["nul": "x\u{0}y", "ü": "ß"]]
        #expect(RowCodec.decode(RowCodec.encode(rows)) == rows)
        #expect(RowCodec.decode(Array(RowCodec.encode(rows).dropLast())) == nil)
    }

    /// The worker dies at every step of recording, again and again (also while finishing
    /// what an earlier death left): afterwards the state DB is sound, and every committed
    /// run's lines are in the log exactly once, none lost, none doubled, none torn.
    @Test func exactlyOnceAcrossCrashes() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let dbPath = dir + "/state.db", logPath = dir + "/results.log"
        let rotation = Output.Rotation(path: logPath, maxBytes: 700, keep: 1000)
        let entry = ScheduleEntry(name: "q", query: "SELECT v FROM t", interval: 60, splayedInterval: 60, startDelay: 0,
                                  snapshot: false, removed: true, denylist: true)
        let steps: [ResultsRecorder.Step?] = [nil, .insideCommit, .afterCommit, .beforeWrite, .afterWrite, .afterDelivered]
        // What the test expects: per committed counter, the rows added and removed.
        var expected: [Int64: (added: [String: Int], removed: [String: Int])] = [:]
        var model: [String]?  // rows of the last committed run
        var markerSet = false
        var crashes = 0

        for iteration in 0..<102 {
            let crash = steps[iteration % steps.count]
            // Every third cycle the crash hits the recovery of the previous one instead.
            let duringRecovery = (iteration / steps.count) % 3 == 2
            let store = try StateStore(path: dbPath)
            #expect(try store.isIntact())
            #expect((try store.executing() != nil) == markerSet, "iteration \(iteration): the marker outlives a crash during the query")
            let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: logPath, rotation: rotation), hostIdentifier: "h")
            recorder.crashAt = { duringRecovery && $0 == crash }
            if let step = try stopped({ () throws(RecorderError) in try recorder.deliverPending() }) {
                crashes += 1
                if step == .beforeWrite { try tearLastWrite(store: store, logPath: logPath) }
                continue
            }
            recorder.crashAt = { !duringRecovery && $0 == crash }
            let values = (0..<(2 + iteration % 5)).map { "\((iteration * 7 + $0 * 3) % 11)" }
            try store.markExecuting(entry.name, at: Int64(iteration), pid: 1)
            markerSet = true
            let committedCounter = Int64(expected.keys.max().map { $0 + 1 } ?? 0)
            let step = try stopped { () throws(RecorderError) in
                let outcome = try recorder.record(entry, rows: values.map { ["v": $0] }, cost: QueryCost(), decorations: [:], at: Int64(1000 + iteration))
                #expect(outcome.counter == committedCounter)
            }
            if let step {
                crashes += 1
                if step == .insideCommit { continue }  // the run never happened
                if step == .beforeWrite { try tearLastWrite(store: store, logPath: logPath) }
            }
            markerSet = false
            expected[committedCounter] = (count(values, minus: model ?? []), count(model ?? [], minus: values))
            model = values
        }

        // One last start delivers what is left.
        let store = try StateStore(path: dbPath)
        #expect(try store.isIntact())
        try ResultsRecorder(store: store, log: try ResultsLogFile(path: logPath, rotation: rotation), hostIdentifier: "h").deliverPending()
        #expect(try store.pendingOutbox().isEmpty)
        #expect(crashes >= 50)

        // Read the whole log, oldest file first: every line whole, each counter's lines together, in order.
        var files = [logPath]
        var n = 1
        while FileManager.default.fileExists(atPath: "\(logPath).\(n)") { files.insert("\(logPath).\(n)", at: 0); n += 1 }
        #expect(files.count > 3, "the log rotated during the test")
        var lines: [[String: Any]] = []
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.isEmpty || text.hasSuffix("\n"), "no torn line at the end of \(file)")
            lines += try jsonLines(text: text)
        }
        var logged: [Int64: (added: [String: Int], removed: [String: Int])] = [:]
        var order: [Int64] = []
        for line in lines {
            let counter = Int64(line["counter"] as! Int)
            if order.last != counter {
                #expect(!order.contains(counter), "counter \(counter) logged twice")
                order.append(counter)
            }
            let value = (line["columns"] as! [String: String])["v"]!
            if line["action"] as? String == "added" { logged[counter, default: ([:], [:])].added[value, default: 0] += 1 }
            else { logged[counter, default: ([:], [:])].removed[value, default: 0] += 1 }
        }
        #expect(order == order.sorted())
        for (counter, want) in expected where !(want.added.isEmpty && want.removed.isEmpty) {
            #expect(logged[counter]?.added ?? [:] == want.added, "counter \(counter)")
            #expect(logged[counter]?.removed ?? [:] == want.removed, "counter \(counter)")
        }
        #expect(Set(logged.keys).isSubset(of: Set(expected.keys)))
        // The stored baseline is the last committed run.
        #expect(try store.queryState("q")?.rows?.map { $0["v"]! }.sorted() == model?.sorted())
    }

    /// The step a simulated crash stopped at, or nil when `body` ran to the end.
    private func stopped(_ body: () throws(RecorderError) -> Void) throws -> ResultsRecorder.Step? {
        do {
            try body()
            return nil
        } catch {
            guard case .simulatedCrash(let step) = error else { throw error }
            return step
        }
    }

    /// A kill in the middle of write(2): half of the pending bytes reach the file.
    private func tearLastWrite(store: StateStore, logPath: String) throws {
        guard let item = try store.pendingOutbox().first else { return }
        let handle = try #require(FileHandle(forWritingAtPath: logPath))
        handle.seekToEndOfFile()
        handle.write(Data(item.payload.prefix(item.payload.count / 2)))
        try handle.close()
    }

    private func count(_ values: [String], minus other: [String]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        for v in other { if let n = counts[v] { counts[v] = n > 1 ? n - 1 : nil } }
        return counts
    }
}
