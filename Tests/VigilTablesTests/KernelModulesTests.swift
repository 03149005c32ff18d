import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct KernelModulesTests {
    /// Same modules as /proc/modules (none on a kernel built without module support).
    @Test func matchesProcModules() throws {
        let rows = try query("SELECT name, size, status FROM kernel_modules")
        guard let text = try? String(contentsOfFile: "/proc/modules", encoding: .utf8) else {
            #expect(rows.isEmpty)
            return
        }
        let lines = text.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(rows.count == lines.count)
        #expect(rows.map { $0["name"]?.string } == lines.map { String($0[0]) })
        #expect(rows.map { $0["size"]?.int } == lines.map { Int64($0[1]) })
    }
}
