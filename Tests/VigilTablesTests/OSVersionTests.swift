import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct OSVersionTests {
    /// Values from /etc/os-release, read here by the shell's own parser (it is a shell fragment).
    @Test func matchesOSRelease() throws {
        let out = try shell(["sh", "-c", ". /etc/os-release; printf '%s\\n%s\\n%s\\n' \"$NAME\" \"$VERSION_ID\" \"$ID\""])
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try #require(try query("SELECT * FROM os_version").first)
        #expect(row["name"]?.string == lines[0])
        #expect(row["platform"]?.string == lines[2])
        let major = lines[1].split(separator: ".").first.flatMap { Int64($0) }
        #expect(row["major"]?.int == major)
        #expect(row["arch"]?.string == (try shell(["uname", "-m"])).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func pidWithNamespaceReportsMountNamespace() throws {
        let row = try #require(try query("SELECT name, mount_namespace_id FROM os_version WHERE pid_with_namespace = \(getpid())").first)
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(getpid())/ns/mnt")
        #expect(row["name"]?.string == (try query("SELECT name FROM os_version").first?["name"]?.string))
        #expect("mnt:[\(row["mount_namespace_id"]?.string ?? "")]" == link)
    }
}
