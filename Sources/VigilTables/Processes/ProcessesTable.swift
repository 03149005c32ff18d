import VigilSQL
import VigilSystem

/// `processes`: one row per process from /proc. Reads only the /proc files the
/// selected columns need, and only the pids a `pid` constraint names.
public struct ProcessesTable: VirtualTable {
    public let schema = TableSchema("processes", "One row per process in /proc.", [
        Column("pid", .bigint, "Process ID (a thread ID when asked for one)", .index),
        Column("name", .text, "Command name (comm), at most 15 bytes"),
        Column("path", .text, "Executable path (/proc/PID/exe)"),
        Column("cmdline", .text, "Arguments joined by spaces"),
        Column("state", .text, "Scheduler state letter (R, S, D, Z, T, ...)"),
        Column("cwd", .text, "Working directory"),
        Column("root", .text, "Root directory (differs under chroot)"),
        Column("uid", .bigint, "Real user ID"),
        Column("gid", .bigint, "Real group ID"),
        Column("euid", .bigint, "Effective user ID"),
        Column("egid", .bigint, "Effective group ID"),
        Column("suid", .bigint, "Saved set-user ID"),
        Column("sgid", .bigint, "Saved set-group ID"),
        Column("on_disk", .integer, "1 if the executable is still on disk, 0 if deleted, -1 if unknown"),
        Column("wired_size", .bigint, "Locked (unpageable) memory in bytes (VmLck)"),
        Column("resident_size", .bigint, "Resident memory in bytes (VmRSS)"),
        Column("total_size", .bigint, "Virtual memory in bytes (VmSize)"),
        Column("user_time", .bigint, "User-mode CPU time in milliseconds"),
        Column("system_time", .bigint, "Kernel-mode CPU time in milliseconds"),
        Column("disk_bytes_read", .bigint, "Bytes read from storage (/proc/PID/io read_bytes; -1 if unreadable)"),
        Column("disk_bytes_written", .bigint, "Bytes written to storage (/proc/PID/io write_bytes; -1 if unreadable)"),
        Column("start_time", .bigint, "Start time, Unix seconds (-1 if unknown)"),
        Column("parent", .bigint, "Parent process ID"),
        Column("pgroup", .bigint, "Process group ID"),
        Column("threads", .integer, "Thread count"),
        Column("nice", .integer, "Nice value, -20 (highest priority) to 19"),
        Column("cgroup_path", .text, "cgroup v2 path"),
        // osquery's other platforms' columns, hidden and NULL here (see Column.otherPlatform).
        .otherPlatform("elevated_token", .integer, "Windows", "process uses an elevated token"),
        .otherPlatform("secure_process", .integer, "Windows", "process is secure (IUM)"),
        .otherPlatform("protection_type", .text, "Windows", "protection type of the process"),
        .otherPlatform("virtual_process", .integer, "Windows", "process is virtual (System, Registry, vmmem)"),
        .otherPlatform("elapsed_time", .bigint, "Windows", "seconds the process has been running"),
        .otherPlatform("handle_count", .bigint, "Windows", "handles the process has open"),
        .otherPlatform("percent_processor_time", .bigint, "Windows", "processor time of all its threads, in 100 ns ticks"),
        .otherPlatform("upid", .bigint, "macOS", "64-bit pid that is never reused"),
        .otherPlatform("uppid", .bigint, "macOS", "64-bit parent pid that is never reused"),
        .otherPlatform("cpu_type", .integer, "macOS", "processor the binary was built for"),
        .otherPlatform("cpu_subtype", .integer, "macOS", "processor subtype the binary was built for"),
        .otherPlatform("translated", .integer, "macOS", "running under Rosetta"),
        .alias("phys_footprint", of: "total_size", .bigint),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let pids: [Int32]
        if let wanted = context.integers("pid") {
            pids = wanted.compactMap { Int32(exactly: $0) }.filter { $0 > 0 }
        } else {
            pids = try ProcFS.pids()
        }
        let needs = Needs(context)
        let bootTime = needs.stat ? ProcFS.bootTime() : 0
        return RowSequence(pids) { pid in
            do {
                return try row(pid, context, needs, bootTime)
            } catch {
                return nil  // exited mid-scan: skip, not an error
            }
        }
    }

    /// Which /proc files the used columns need.
    struct Needs {
        let stat, status, cmdline, exe, cwd, root, io, cgroup: Bool
        init(_ c: QueryContext) {
            stat = c.isAnyUsed("name", "state", "parent", "pgroup", "user_time", "system_time", "start_time", "nice", "threads")
            status = c.isAnyUsed("uid", "gid", "euid", "egid", "suid", "sgid", "wired_size", "resident_size", "total_size")
            cmdline = c.isUsed("cmdline")
            exe = c.isAnyUsed("path", "on_disk")
            cwd = c.isUsed("cwd")
            root = c.isUsed("root")
            io = c.isAnyUsed("disk_bytes_read", "disk_bytes_written")
            cgroup = c.isUsed("cgroup_path")
        }
    }

    func row(_ pid: Int32, _ context: QueryContext, _ needs: Needs, _ bootTime: Int64) throws(ProcessGone) -> Row? {
        // One open directory for all of this process's files: fewer path walks, and
        // a reused pid cannot splice another process's data into this row.
        guard let dir = try? ProcessDirectory(pid) else { return nil }
        var row = Row(schema)
        row["pid"] = SQLValue(pid)
        if needs.stat {
            guard let st = try ProcFS.attempt(dir, { d throws(SystemError) in try d.stat() }) else { return nil }
            let ms = { (ticks: Int64) in ticks * 1000 / ProcFS.ticksPerSecond }
            row["name"] = .text(st.name)
            row["state"] = .text(String(st.state))
            row["parent"] = SQLValue(st.parent)
            row["pgroup"] = SQLValue(st.processGroup)
            row["user_time"] = .integer(ms(st.userTicks))
            row["system_time"] = .integer(ms(st.systemTicks))
            row["start_time"] = .integer(bootTime > 0 ? bootTime + st.startTicks / ProcFS.ticksPerSecond : -1)
            row["nice"] = SQLValue(st.nice)
            row["threads"] = SQLValue(st.threads)
        } else if !dir.isAlive {
            return nil
        }
        if needs.status, let s = try ProcFS.attempt(dir, { d throws(SystemError) in try d.status() }) {
            let id = { (ids: [Int64], i: Int) -> SQLValue in i < ids.count ? .integer(ids[i]) : .integer(-1) }
            row["uid"] = id(s.uids, 0); row["euid"] = id(s.uids, 1); row["suid"] = id(s.uids, 2)
            row["gid"] = id(s.gids, 0); row["egid"] = id(s.gids, 1); row["sgid"] = id(s.gids, 2)
            row["wired_size"] = .integer(s.lockedBytes)
            row["resident_size"] = .integer(s.residentBytes)
            row["total_size"] = .integer(s.virtualBytes)
        }
        if needs.cmdline {
            row["cmdline"] = .text(try ProcFS.attempt(dir, { d throws(SystemError) in try d.cmdline() }) ?? "")
        }
        if needs.exe {
            if let exe = try ProcFS.attempt(dir, { d throws(SystemError) in try d.link("exe") }) {
                row["path"] = .text(exe.path)
                row["on_disk"] = .integer(exe.deleted ? 0 : 1)
            } else {
                row["path"] = ""
                row["on_disk"] = -1
            }
        }
        if needs.cwd { row["cwd"] = .text(try ProcFS.attempt(dir, { d throws(SystemError) in try d.link("cwd").path }) ?? "") }
        if needs.root { row["root"] = .text(try ProcFS.attempt(dir, { d throws(SystemError) in try d.link("root").path }) ?? "") }
        if needs.io {
            let io = try ProcFS.attempt(dir, { d throws(SystemError) in try d.io() })
            row["disk_bytes_read"] = .integer(io?.readBytes ?? -1)
            row["disk_bytes_written"] = .integer(io?.writeBytes ?? -1)
        }
        if needs.cgroup {
            row["cgroup_path"] = .text(try ProcFS.attempt(dir, { d throws(SystemError) in try d.cgroupPath() }) ?? "")
        }
        return row
    }
}
