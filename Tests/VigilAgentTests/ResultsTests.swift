import Foundation
import Testing
import VigilSQL
import VigilSystem
@testable import VigilAgent
import VigilTestSupport

@Suite(.ownThread) struct ResultsTests {
    @Test func diffIsAMultiset() {
        let a: ResultRow = ["x": "1"], b: ResultRow = ["x": "2"], c: ResultRow = ["x": "3"]
        let d = ResultDiff.between(previous: [a, a, b], current: [a, b, b, c])
        #expect(d.added == [b, c])
        #expect(d.removed == [a])
        #expect(ResultDiff.between(previous: [a, b], current: [b, a]).isEmpty)
    }

    @Test func contentByMode() {
        let rows: [ResultRow] = [["x": "1"]]
        #expect(ResultContent.of(snapshot: true, removed: true, previous: nil, current: rows) == .snapshot(rows))
        // First run of a differential query: everything is added.
        #expect(ResultContent.of(snapshot: false, removed: true, previous: nil, current: rows) == .differential(ResultDiff(added: rows)))
        // removed: false drops removals.
        #expect(ResultContent.of(snapshot: false, removed: false, previous: rows, current: []) == .differential(ResultDiff()))
        #expect(ResultContent.of(snapshot: false, removed: true, previous: rows, current: []) == .differential(ResultDiff(removed: rows)))
    }

    @Test func calendarTimeIsAsctimeUTC() {
        #expect(ResultLogFormat.calendarTime(0) == "Thu Jan  1 00:00:00 1970 UTC")
        #expect(ResultLogFormat.calendarTime(1_795_295_331) == "Sat Nov 21 21:08:51 2026 UTC")
    }

    /// Every field of osquery's event format, with osquery's types.
    @Test func logLineFields() throws {
        let header = ResultHeader(name: "pack_ir_ports", hostIdentifier: "web-\"1\"", unixTime: 1_795_295_331, epoch: 0, counter: 7,
                                  decorations: ["host_uuid": "abc"])
        let diff = ResultDiff(added: [["port": "22", "address": "0.0.0.0"]], removed: [["port": "80", "address": "::"]])
        let text = String(decoding: ResultLogFormat.encode(header, .differential(diff)), as: UTF8.self)
        let lines = try jsonLines(text: text)
        #expect(lines.count == 2)
        let added = lines[0]
        #expect(added["name"] as? String == "pack_ir_ports")
        #expect(added["hostIdentifier"] as? String == "web-\"1\"")
        #expect(added["calendarTime"] as? String == "Sat Nov 21 21:08:51 2026 UTC")
        #expect(added["unixTime"] as? Int == 1_795_295_331)
        #expect(added["epoch"] as? Int == 0)
        #expect(added["counter"] as? Int == 7)
        #expect(added["numerics"] as? Bool == false)
        #expect(added["decorations"] as? [String: String] == ["host_uuid": "abc"])
        #expect(added["columns"] as? [String: String] == ["port": "22", "address": "0.0.0.0"])
        #expect(added["action"] as? String == "added")
        #expect(lines[1]["action"] as? String == "removed")
        #expect(lines[1]["columns"] as? [String: String] == ["port": "80", "address": "::"])

        let snap = try jsonLines(text: String(decoding: ResultLogFormat.encode(header, .snapshot([["a": "1"], ["a": "2"]])), as: UTF8.self))
        #expect(snap.count == 1)
        #expect(snap[0]["action"] as? String == "snapshot")
        #expect(snap[0]["snapshot"] as? [[String: String]] == [["a": "1"], ["a": "2"]])
        #expect(snap[0]["columns"] == nil)
        #expect(snap[0]["counter"] as? Int == 7)
    }

    /// The log appends across reopen (a restart keeps what was logged) and rotates by
    /// size on line boundaries: FILE → FILE.1 → FILE.2, the oldest dropped.
    @Test func logRotation() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let path = dir + "/results.log"
        let line = Array((String(repeating: "x", count: 99) + "\n").utf8)
        do {
            let log = try ResultsLogFile(path: path, rotation: Output.Rotation(path: path, maxBytes: 250, keep: 2))
            try log.append(line)
        }
        let log = try ResultsLogFile(path: path, rotation: Output.Rotation(path: path, maxBytes: 250, keep: 2))
        #expect(log.size == 100, "reopening appends")
        for _ in 0..<7 {
            try log.rotateIfNeeded(adding: line.count)
            try log.append(line)
        }
        // 8 lines of 100 bytes, at most 2 per file: FILE holds 2, .1 holds 2, .2 holds 2, the oldest 2 are gone.
        for file in [path, path + ".1", path + ".2"] {
            let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? -1
            #expect(size == 200, "\(file)")
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
        let text = try String(contentsOfFile: path + ".1", encoding: .utf8)
        #expect(text.split(separator: "\n").allSatisfy { $0.count == 99 })
    }

    /// Differential results against a real directory listing from the `file` table: a
    /// file the test creates and then deletes gives one `added`, then one `removed`.
    @Test func fileAppearsAndDisappears() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let watched = dir + "/watched"
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        try write("keep", to: watched + "/existing")
        let database = try realDatabase()
        let store = try StateStore(path: dir + "/state.db")
        let log = try ResultsLogFile(path: dir + "/results.log")
        let recorder = ResultsRecorder(store: store, log: log, hostIdentifier: "test-host")
        let entry = ScheduleEntry(name: "watched_files", query: "SELECT path, filename FROM file WHERE directory = '\(watched)'",
                                  interval: 60, splayedInterval: 60, startDelay: 0, snapshot: false, removed: true, denylist: true)
        func runOnce(at t: Int64) throws {
            let run = try QueryExecutor.run(entry.query, on: database)
            _ = try recorder.record(entry, rows: run.rows, cost: run.cost, decorations: [:], at: t)
        }
        try runOnce(at: 1000)  // first run: the existing file is added
        try runOnce(at: 1060)  // nothing changed: nothing logged
        try write("new", to: watched + "/appeared")
        try runOnce(at: 1120)
        try FileManager.default.removeItem(atPath: watched + "/appeared")
        try runOnce(at: 1180)

        let lines = try jsonLines(dir + "/results.log")
        let summary = lines.map { "\($0["counter"]!) \($0["action"]!) \(($0["columns"] as? [String: String])?["filename"] ?? "")" }
        #expect(summary == ["0 added existing", "2 added appeared", "3 removed appeared"])
        #expect(lines.allSatisfy { $0["name"] as? String == "watched_files" && $0["hostIdentifier"] as? String == "test-host" })
        #expect(try store.stats("watched_files")?.executions == 4)
        #expect(try store.pendingOutbox().isEmpty)
    }

    /// A changed query, or a new epoch, starts afresh: counter 0 and every row added.
    @Test func changedQueryStartsAfresh() throws {
        let dir = try temporaryDirectory()
        defer { removeDirectory(dir) }
        let store = try StateStore(path: dir + "/state.db")
        let recorder = ResultsRecorder(store: store, log: try ResultsLogFile(path: dir + "/r.log"), hostIdentifier: "h")
        var entry = ScheduleEntry(name: "q", query: "SELECT 1", interval: 60, splayedInterval: 60, startDelay: 0,
                                  snapshot: false, removed: true, denylist: true)
        let rows: [ResultRow] = [["a": "1"]]
        #expect(try recorder.record(entry, rows: rows, cost: QueryCost(), decorations: [:], at: 1).counter == 0)
        #expect(try recorder.record(entry, rows: rows, cost: QueryCost(), decorations: [:], at: 2).counter == 1)
        entry.query = "SELECT 1 AS a"
        let fresh = try recorder.record(entry, rows: rows, cost: QueryCost(), decorations: [:], at: 3)
        #expect(fresh.counter == 0 && fresh.content == .differential(ResultDiff(added: rows)))
    }
}
