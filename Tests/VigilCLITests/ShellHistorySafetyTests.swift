import Foundation
import Testing
import VigilTestSupport

/// `vigil shell --history` pointed at a device must leave the device alone. libedit's
/// save sets the file's mode to 0600; as root on /dev/null that locked every other user
/// out of it. The test uses a null device node of its own, never /dev/null.
@Suite(.ownThread) struct ShellHistorySafetyTests {
    @Test(.requiresRoot) func aDeviceGivenAsTheHistoryFileKeepsItsMode() throws {
        try requireRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-histdev-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let device = dir + "/null"
        // Major 1, minor 3 (the null device), encoded as glibc's makedev does for small numbers.
        try #require(mknod(device, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0, "mknod: \(String(cString: strerror(errno)))")
        chmod(device, 0o666)   // past the umask
        let socket = "vigil-hist-\(UUID().uuidString.prefix(8))"
        defer { _ = try? CLI.run(["-L", socket, "kill-server"], executable: "/usr/bin/tmux") }
        // A real terminal: the history is saved only by an interactive shell.
        let start = try spawnClean(["/usr/bin/tmux", "-L", socket, "new-session", "-d", "-s", "vigil", "-x", "120", "-y", "40",
                                    "\(CLI.binary) shell --history \(device); sleep 30"], quiet: true)
        #expect(reap(start) == 0)
        func screen() throws -> String { try CLI.run(["-L", socket, "capture-pane", "-t", "vigil", "-p"], executable: "/usr/bin/tmux").stdout }
        #expect(poll(10) { try screen().contains("vigil>") }, "no prompt: \((try? screen()) ?? "")")
        _ = try CLI.run(["-L", socket, "send-keys", "-t", "vigil", "SELECT 1;", "Enter"], executable: "/usr/bin/tmux")
        _ = try CLI.run(["-L", socket, "send-keys", "-t", "vigil", ".quit", "Enter"], executable: "/usr/bin/tmux")
        // The shell has left when the pane's command is the sleep after it.
        let left = poll(10) {
            try CLI.run(["-L", socket, "list-panes", "-F", "#{pane_current_command}"], executable: "/usr/bin/tmux").stdout.contains("sleep")
        }
        #expect(left, "the shell did not leave: \((try? screen()) ?? "")")
        var st = stat()
        #expect(stat(device, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o666, "the device's mode became \(String(st.st_mode & 0o777, radix: 8))")
        #expect(st.st_mode & S_IFMT == S_IFCHR)
    }
}
