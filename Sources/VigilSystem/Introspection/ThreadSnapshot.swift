import CLinux
import Glibc

/// One thread of a process as /proc/PID/task/TID shows it: its name, state, CPU
/// time, and where it waits (the kernel function and the system call it is in).
public struct ThreadSnapshot: Sendable, Equatable {
    public var tid: Int32
    public var name: String
    /// R running, S sleeping, D uninterruptible, … (proc(5)).
    public var state: Character
    public var userTicks: Int64
    public var systemTicks: Int64
    /// The kernel function a sleeping thread waits in ("0" when running).
    public var waitChannel: String
    /// The system call the thread is in, or nil when it runs in user space.
    public var syscall: Int?

    /// The calling thread's id (gettid(2)).
    public static func currentThreadID() -> Int32 { vigil_gettid() }

    /// Every thread of `pid`; threads that exit while being read are left out.
    public static func all(of pid: Int32 = getpid()) -> [ThreadSnapshot] {
        let taskDirectory = "\(ProcFS.root)/\(pid)/task"
        guard let entries = try? FileSystem.list(taskDirectory) else { return [] }
        return entries.compactMap { Int32($0) }.sorted().compactMap { tid in
            let base = "\(taskDirectory)/\(tid)"
            guard let stat = FileSystem.readTextIfPresent(base + "/stat").flatMap({ ProcessStat.parse(Array($0.utf8)) }) else { return nil }
            let wchan = FileSystem.readTextIfPresent(base + "/wchan")?.trimmingCharacters() ?? ""
            // "/proc/TID/syscall": "NR args… sp pc", "running", or "-1 sp pc" outside a syscall.
            let syscallText = FileSystem.readTextIfPresent(base + "/syscall") ?? ""
            let number = syscallText.split(separator: " ").first.flatMap { Int($0) }
            return ThreadSnapshot(tid: tid, name: stat.name, state: stat.state, userTicks: stat.userTicks,
                                  systemTicks: stat.systemTicks, waitChannel: wchan == "0" ? "" : wchan,
                                  syscall: number.flatMap { $0 >= 0 ? $0 : nil })
        }
    }
}
