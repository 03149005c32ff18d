import CLinux
import Glibc

/// Runs file access as another user on the calling thread only, as osquery drops
/// privileges to read a user's files: a root agent must not read through a link a
/// user planted (~/.bash_history → /etc/shadow) what that user could not read.
///
/// The filesystem uid and gid (setfsuid/setfsgid) and the supplementary groups are
/// changed for this thread, through the raw system calls (glibc's setgroups would
/// change every thread), and restored before returning. A filesystem uid other than
/// 0 also takes CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH out of the thread's effective
/// set; setting it back to 0 returns them. `body` must not suspend (no `await`): the
/// identity belongs to the thread.
public enum ThreadIdentity {
    /// `body` with the filesystem identity of `uid`/`gid` and no supplementary groups
    /// (so root's group 0 grants nothing). When this process is not root, or `uid` is
    /// 0, `body` runs as is: there is no privilege to drop.
    public static func asUser<T>(uid: UInt32, gid: UInt32, _ body: () throws(SystemError) -> T) throws(SystemError) -> T {
        guard geteuid() == 0, uid != 0 else { return try body() }
        let saved = try supplementaryGroups()
        guard vigil_thread_setgroups(0, nil) == 0 else { throw SystemError("setgroups") }
        _ = vigil_thread_setfsgid(gid)
        _ = vigil_thread_setfsuid(uid)
        defer {
            _ = vigil_thread_setfsuid(0)
            _ = vigil_thread_setfsgid(getegid())
            // Restoring what this thread itself had cannot fail as root; if it did, the
            // thread would read with less privilege, never more.
            _ = saved.withUnsafeBufferPointer { vigil_thread_setgroups(Int32($0.count), $0.baseAddress) }
        }
        // setfsuid reports no error; asking with an invalid id returns the current one.
        guard vigil_thread_setfsuid(UInt32.max) == Int32(bitPattern: uid),
              vigil_thread_setfsgid(UInt32.max) == Int32(bitPattern: gid) else {
            throw SystemError("setfsuid", errno: EPERM)
        }
        return try body()
    }

    /// This thread's supplementary groups (getgroups).
    static func supplementaryGroups() throws(SystemError) -> [gid_t] {
        let count = getgroups(0, nil)
        guard count >= 0 else { throw SystemError("getgroups") }
        var groups = [gid_t](repeating: 0, count: Int(count))
        let got = getgroups(count, &groups)
        guard got >= 0 else { throw SystemError("getgroups") }
        return Array(groups[0..<Int(got)])
    }
}
