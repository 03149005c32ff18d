import Foundation
import Glibc
import Testing
import VigilSQL
import VigilTestSupport

/// Issue 19, items 1 and 2: an ordinary user points the files of their home at what
/// they cannot read (/etc/shadow, a root-only key file) or at files that block
/// (/proc/kmsg, a FIFO). The tables run as root, as the agent does: they must show
/// none of root's bytes and return at once, and still read the user's own files.
@Suite(.ownThread, .serialized, .requiresRoot) struct HostileHomeTests {
    /// Runs `sql` on another thread; nil if it did not finish within `seconds` (the
    /// thread is then left blocked: the test has failed either way).
    func queryWithin(_ seconds: Double, _ sql: String) -> Result<[[String: SQLValue]], Error>? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<[[String: SQLValue]], Error>?
        Thread.detachNewThread {
            result = Result { try query(sql) }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return result
    }

    /// A file only root can read, owned root:root with mode 0640: group 0 must not
    /// grant it either (root's supplementary groups are dropped with its uid).
    func rootOnlyFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rootonly-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o640)
        return path
    }

    /// `ln -s /etc/shadow ~/.bash_history`: root's password hashes must not appear,
    /// while the user's own zsh history (mode 0600, theirs) is read.
    @Test func shadowLinkedAsHistoryLeaksNothing() throws {
        try requireRoot()
        let user = try LocalUser()
        #expect(try user.run(["/bin/ln", "-s", "/etc/shadow", user.home + "/.bash_history"]) == 0)
        #expect(try user.run(["/bin/sh", "-c", "umask 077; printf 'make test\\ngit status\\n' > \(user.home)/.zsh_history"]) == 0)
        let rows = try query("SELECT command, history_file FROM shell_history WHERE uid = \(user.uid)")
        let shadow = try String(contentsOfFile: "/etc/shadow", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(!shadow.isEmpty)
        #expect(!rows.contains { row in shadow.contains(row["command"]!.string) }, "shadow leaked: \(rows)")
        #expect(!rows.contains { $0["history_file"]!.string.hasSuffix(".bash_history") })
        #expect(rows.map { $0["command"]!.string } == ["make test", "git status"])
    }

    /// authorized_keys linked to a root-only file (root:root 0640) shows nothing of
    /// it; the user's own authorized_keys2 shows its key.
    @Test func rootOnlyFileLinkedAsAuthorizedKeysLeaksNothing() throws {
        try requireRoot()
        let user = try LocalUser()
        let secret = try rootOnlyFile("ssh-ed25519 AAAArootonlysecret root@secret\n")
        defer { unlink(secret) }
        #expect(try user.run(["/bin/sh", "-c", """
            mkdir -m 700 \(user.home)/.ssh && ln -s \(secret) \(user.home)/.ssh/authorized_keys && \
            echo 'ssh-ed25519 AAAAuserkey user@laptop' > \(user.home)/.ssh/authorized_keys2
            """]) == 0)
        let rows = try query("SELECT key, comment, key_file FROM authorized_keys WHERE uid = \(user.uid)")
        #expect(rows.map { $0["key"]!.string } == ["AAAAuserkey"], "\(rows)")
        #expect(rows.map { $0["key_file"]!.string } == [user.home + "/.ssh/authorized_keys2"])
    }

    /// `ln -s /proc/kmsg ~/.bash_history` and a FIFO as ~/.sh_history: the query
    /// returns at once with no rows from either (before the fix it blocked for good in
    /// the kernel's log read, taking the system logger's messages).
    @Test func kmsgAndFifoInHomeDoNotBlock() throws {
        try requireRoot()
        let user = try LocalUser()
        #expect(try user.run(["/bin/sh", "-c", "ln -s /proc/kmsg \(user.home)/.bash_history && mkfifo \(user.home)/.sh_history"]) == 0)
        let started = Date()
        let result = try #require(queryWithin(10, "SELECT command FROM shell_history WHERE uid = \(user.uid)"),
                                  "shell_history blocked on the user's files")
        #expect(try result.get().isEmpty)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// `hash` of /proc/kmsg (and of a link to it, and of a FIFO) returns at once with
    /// empty digests; a regular file through the same kind of link still hashes.
    @Test func hashOfBlockingFilesReturnsEmptyDigests() throws {
        try requireRoot()
        let user = try LocalUser()
        let file = user.home + "/plain"
        #expect(try user.run(["/bin/sh", "-c", """
            ln -s /proc/kmsg \(user.home)/kmsg && mkfifo \(user.home)/fifo && printf abc > \(file) && ln -s \(file) \(user.home)/plainlink
            """]) == 0)
        let sql = "SELECT path, md5 FROM hash WHERE path IN ('/proc/kmsg', '\(user.home)/kmsg', '\(user.home)/fifo', '\(user.home)/plainlink')"
        let rows = try #require(queryWithin(10, sql), "hash blocked").get()
        let md5 = Dictionary(uniqueKeysWithValues: rows.map { ($0["path"]!.string, $0["md5"]!.string) })
        #expect(md5["/proc/kmsg"] == "")
        #expect(md5[user.home + "/kmsg"] == "")
        #expect(md5[user.home + "/fifo"] == "")
        #expect(md5[user.home + "/plainlink"] == "900150983cd24fb0d6963f7d28e17f72")  // md5("abc")
    }
}
