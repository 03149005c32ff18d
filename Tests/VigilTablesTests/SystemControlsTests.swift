import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct SystemControlsTests {
    /// A name = constraint reads one parameter; the value is what sysctl shows.
    @Test func oneNameMatchesSysctl() throws {
        for name in ["kernel.hostname", "kernel.printk", "net.ipv4.ip_forward", "vm.swappiness"] {
            let rows = try query("SELECT * FROM system_controls WHERE name = '\(name)'")
            try #require(rows.count == 1, "\(name)")
            let expected = try shell(["sysctl", "-n", name]).trimmingCharacters(in: .newlines)
            #expect(rows[0]["current_value"]?.string == expected, "\(name)")
            #expect(rows[0]["subsystem"]?.string == String(name.split(separator: ".")[0]))
        }
    }

    /// The kernel.* names are the ones `sysctl -a -N` lists (a subtree that does not
    /// change while the test runs, unlike per-interface net.* entries).
    @Test func kernelNamesMatchSysctl() throws {
        let ours = Set(try query("SELECT name FROM system_controls WHERE subsystem = 'kernel'").map { $0["name"]!.string })
        let theirs = Set(try shell(["sysctl", "-a", "-N"]).split(separator: "\n").map(String.init).filter { $0.hasPrefix("kernel.") })
        #expect(!theirs.isEmpty)
        #expect(ours == theirs, "only ours: \(ours.subtracting(theirs).sorted()); only sysctl's: \(theirs.subtracting(ours).sorted())")
        // subsystem = is pushed down (osquery's additional): the table read kernel/ alone.
        let recorder = try ScanRecorder("system_controls")
        #expect(try recorder.query("SELECT name FROM system_controls WHERE subsystem IN ('kernel', '..')").count == theirs.count)
        let made = recorder.scans.flatMap(\.rows).compactMap { $0["name"]?.text }
        #expect(made.count == theirs.count && made.allSatisfy { $0.hasPrefix("kernel.") })
    }

    @Test func configValuesComeFromSysctlFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("10-a.conf"), b = dir.appendingPathComponent("20-b.conf")
        try "# comment\nnet.ipv4.ip_forward = 1\n; other\nkernel/sysrq=16\n".write(to: a, atomically: true, encoding: .utf8)
        try "net.ipv4.ip_forward=0\n-vm.swappiness = 10\n".write(to: b, atomically: true, encoding: .utf8)
        let values = SysctlConfig.values(files: [a.path, b.path])
        #expect(values == ["net.ipv4.ip_forward": "0", "kernel.sysrq": "16", "vm.swappiness": "10"])
    }

    @Test func unknownNameHasNoRow() throws {
        #expect(try query("SELECT * FROM system_controls WHERE name = 'no.such.parameter'").isEmpty)
    }
}
