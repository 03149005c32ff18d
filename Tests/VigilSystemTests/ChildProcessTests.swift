import Glibc
import Testing
import VigilSystem
import VigilTestSupport

/// What a started program inherits from Vigil: its standard streams, nothing else.
@Suite(.ownThread) struct ChildProcessTests {
    /// A descriptor opened without close-on-exec (as sockets and many libraries' files
    /// are) is not open in the child; /proc/self in the shell's builtin test is the child.
    @Test(arguments: [false, true]) func onlyTheStandardStreamsAreInherited(stopped: Bool) throws {
        let fd = open("/dev/null", O_RDONLY)
        try #require(fd > 2)
        defer { close(fd) }
        #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC == 0)
        let script = "[ -e /proc/self/fd/0 ] && [ -e /proc/self/fd/2 ] && [ ! -e /proc/self/fd/\(fd) ]"
        let status: Int32?
        if stopped {
            let child = try ChildProcess.spawnStopped(["/bin/sh", "-c", script])
            #expect(child.resume() == nil)
            status = child.waitForExit()
        } else {
            status = ChildProcess.waitForExit(try ChildProcess.spawn(["/bin/sh", "-c", script]))
        }
        #expect(status == 0, "descriptor \(fd) was inherited, or a standard stream was not")
    }
}
