import Foundation
import Testing
import VigilTestSupport

/// Issue 19, item 12: with the disk full, vigil_outputs.last_error stayed empty and
/// admin reads of vigil_schedule failed ("database or disk is full").
@Suite(.ownThread, .serialized) struct FullDiskTests {
    @Test(.requiresRoot) func fullDiskIsReportedAndTheTablesStillRead() throws {
        try requireRoot()
        var mounted = ""
        let agent = try RunningAgent(config: AdminTests.clockConfig) { dir in
            try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: false)
            let r = try CLI.run(["-t", "tmpfs", "-o", "size=3M,mode=0700", "tmpfs", dir + "/data"], executable: "/usr/bin/mount", timeout: 20)
            try #require(r.status == 0, "mount: \(r.stderr)")
            mounted = dir + "/data"
        }
        defer {
            agent.stop()
            _ = try? CLI.run([mounted], executable: "/usr/bin/umount", timeout: 20)
        }
        let clock = { try agent.results().filter { $0["name"] as? String == "clock" }.count }
        try #require(agent.wait(30) { try clock() >= 2 }, "clock never ran; log:\n\(agent.log)")

        // Fill the file system: dd ends at ENOSPC.
        let filler = agent.dataDirectory + "/filler"
        _ = try CLI.run(["if=/dev/zero", "of=\(filler)", "bs=64k"], executable: "/usr/bin/dd", timeout: 30)
        var fs = statvfs()
        #expect(statvfs(agent.dataDirectory, &fs) == 0 && fs.f_bavail == 0)
        let reported = agent.wait(15) {
            let r = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, "-f", "csv",
                                 "SELECT name, last_error FROM vigil_outputs"], timeout: 20)
            return r.status == 0 && r.stdout.contains("filesystem,results cannot be queued: database or disk is full")
        }
        #expect(reported, "log:\n\(agent.log)")
        let schedule = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, "-f", "csv", "SELECT name FROM vigil_schedule"], timeout: 20)
        #expect(schedule.status == 0 && schedule.stdout == "name\nclock\n", "\(schedule.stderr)")

        // Room again: the schedule resumes and the error clears.
        unlink(filler)
        let before = try clock()
        #expect(agent.wait(15) { try clock() >= before + 2 }, "log:\n\(agent.log)")
        let after = try CLI.run(["query", "--agent", "--data-dir", agent.dataDirectory, "-f", "csv",
                                 "SELECT name, last_error FROM vigil_outputs"], timeout: 20)
        #expect(after.stdout == "name,last_error\nfilesystem,\n", "\(after.stdout)")
    }
}
