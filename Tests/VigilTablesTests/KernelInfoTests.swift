import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct KernelInfoTests {
    @Test func versionIsUnameR() throws {
        let row = try #require(try query("SELECT * FROM kernel_info").first)
        #expect(row["version"]?.string == (try shell(["uname", "-r"])).trimmingCharacters(in: .whitespacesAndNewlines))
        let cmdline = try String(contentsOfFile: "/proc/cmdline", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(row["arguments"]?.string == cmdline)
        let root = cmdline.split(separator: " ").first { $0.hasPrefix("root=") }.map { String($0.dropFirst(5)) } ?? ""
        #expect(row["device"]?.string == root)
    }
}
