import Foundation
import Testing
import VigilTestSupport

@Suite(.ownThread) struct StreamingTests {
    /// Peak RSS (KiB) of one `vigil query` run, measured by GNU time.
    func peakRSS(rows: Int, format: String) throws -> Int {
        let sql = """
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < \(rows / 100))
        SELECT c.x, t.table_name, t.column_name, t.column_description FROM c, (SELECT * FROM vigil_tables LIMIT 100) t
        """
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rss-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let r = try CLI.run(["-f", "%M", "-o", report, CLI.binary, "query", sql, "--format", format], executable: "/usr/bin/time")
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").count >= rows)
        return Int(try String(contentsOfFile: report, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// A result 100 times larger (2,000 → 200,000 rows) must not need noticeably more memory: rows stream.
    @Test(arguments: ["jsonl", "table", "json"])
    func memoryStaysFlat(format: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("/usr/bin/time missing in CI") }
            return
        }
        let small = try peakRSS(rows: 2_000, format: format)
        let large = try peakRSS(rows: 200_000, format: format)
        #expect(small > 0 && large > 0)
        #expect(large - small < 8 * 1024, "peak RSS grew from \(small) KiB to \(large) KiB")
    }
}
