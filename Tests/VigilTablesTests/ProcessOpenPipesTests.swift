import Foundation
import Glibc
import Testing
import VigilSQL
import VigilTestSupport

/// A child whose standard output is a pipe to this process: the child's fd 1 is the
/// write end and this process's descriptor the read end, with the inode fstat gives.
@Suite(.ownThread) struct ProcessOpenPipesTests {
    @Test func childPipeIsPairedWithThisProcess() throws {
        let pipe = Pipe()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        child.standardOutput = pipe
        try child.run()
        // SIGKILL: children of the test runner inherit its blocked SIGTERM.
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let readFD = pipe.fileHandleForReading.fileDescriptor
        var st = stat()
        try #require(fstat(readFD, &st) == 0)
        try pipe.fileHandleForWriting.close()   // only the child holds the write end

        let rows = try query("SELECT * FROM process_open_pipes WHERE pid = \(child.processIdentifier) AND fd = 1")
        let mine = rows.filter { $0["partner_pid"]?.int == Int64(getpid()) }
        try #require(mine.count == 1, "\(rows)")
        #expect(mine[0]["mode"]?.string == "w")
        #expect(mine[0]["type"]?.string == "unnamed")
        #expect(mine[0]["inode"]?.int == Int64(st.st_ino))
        #expect(mine[0]["partner_fd"]?.int == Int64(readFD))
        #expect(mine[0]["partner_mode"]?.string == "r")
    }
}
