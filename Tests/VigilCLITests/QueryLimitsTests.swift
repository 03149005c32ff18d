import Foundation
import Testing
import VigilTestSupport

/// Issue 19, item 4: "read-only" SQL must not write temporary files or grow without
/// bound. An ORDER BY random() over large blobs once wrote 500 MB to /var/tmp in 3 s.
@Suite(.ownThread, .serialized) struct QueryLimitsTests {
    /// 300 blobs of 100 kB sorted at random: SQLite's sorter spills such a sort to a
    /// temporary file by default (a plain sqlite3 connection opens one in SQLITE_TMPDIR).
    static func blobSort(rows: Int) -> String {
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < \(rows)) "
            + "SELECT count(*) AS n FROM (SELECT randomblob(100000) AS x FROM c ORDER BY random() LIMIT -1 OFFSET 1)"
    }

    func toolPresent(_ path: String) -> Bool {
        if FileManager.default.isExecutableFile(atPath: path) { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("\(path) missing in CI") }
        return false
    }

    /// Under strace, with SQLITE_TMPDIR pointing at an empty directory: the sort
    /// completes and nothing is opened there (temp_store is memory).
    @Test func sortsStayInMemory() throws {
        guard toolPresent("/usr/bin/strace") else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-sqltmp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trace = dir + ".strace"
        defer { unlink(trace) }
        let r = try CLI.run(["SQLITE_TMPDIR=\(dir)", "TMPDIR=\(dir)", "/usr/bin/strace", "-f", "-e", "trace=openat,open", "-o", trace,
                             CLI.binary, "query", "--memory-limit", "0", "-f", "csv", Self.blobSort(rows: 300)],
                            executable: "/usr/bin/env", timeout: 120)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "n\n299\n")
        let opened = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").filter { $0.contains(dir) }
        #expect(opened.isEmpty, "\(opened)")
    }

    /// With --memory-limit 100 a 300 MB sort fails with an error naming the limit,
    /// and the process's peak RSS (GNU time) stays near the limit, far from 300 MB.
    @Test func memoryLimitFailsTheQueryWithItsName() throws {
        guard toolPresent("/usr/bin/time") else { return }
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rss-\(UUID().uuidString)").path
        defer { unlink(report) }
        let r = try CLI.run(["-f", "%M", "-o", report, CLI.binary, "query", "--memory-limit", "100", Self.blobSort(rows: 3000)],
                            executable: "/usr/bin/time", timeout: 120)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: the query needed more memory than the SQL heap limit of 100 MB"), "\(r.stderr)")
        // GNU time writes "Command exited with non-zero status 1" first.
        let lines = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n")
        let peakKiB = lines.last.flatMap { Int($0) } ?? -1
        #expect(peakKiB > 0 && peakKiB < 180 * 1024, "peak RSS \(peakKiB) KiB")
    }

    /// --timeout stops a query that would run for minutes, with an error naming it.
    @Test func timeoutStopsTheQuery() throws {
        let started = Date()
        let r = try CLI.run(["query", "--timeout", "1", AgentTests.runaway], timeout: 60)
        let took = Date().timeIntervalSince(started)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Error: the query ran longer than its time limit of 1 s and was stopped"), "\(r.stderr)")
        #expect(took >= 1 && took < 10, "took \(took) s")
    }
}
