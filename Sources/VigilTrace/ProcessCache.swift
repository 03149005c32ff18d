import VigilSystem

/// What Vigil knows about each live process, so that every event can name its
/// process fully (exe, and ancestry on request) even when the event itself carries
/// only ids. Seeded by one /proc scan, then kept current by fork, exec and exit
/// events; an exited process is forgotten once its exit has been written.
public final class ProcessCache {
    public struct Entry: Sendable, Equatable {
        public var pid: UInt32
        public var ppid: UInt32
        public var comm: String
        /// Executable path; empty when unknown (kernel threads, unreadable).
        public var exe: String
    }

    // Every event reads or updates this: no runtime exclusivity checks.
    @exclusivity(unchecked) private(set) var entries: [UInt32: Entry] = [:]

    public init() {}

    public var count: Int { entries.count }

    public subscript(pid: UInt32) -> Entry? { entries[pid] }

    /// One pass over /proc. Processes that exit mid-scan are skipped.
    public func seed() {
        guard let pids = try? ProcFS.pids() else { return }
        for pid in pids {
            guard let dir = try? ProcessDirectory(pid), let stat = try? dir.stat() else { continue }
            let exe = (try? dir.link("exe").path) ?? ""
            entries[UInt32(pid)] = Entry(pid: UInt32(pid), ppid: UInt32(stat.parent), comm: stat.name, exe: exe)
        }
    }

    /// Update from an event (before it is written).
    public func apply(_ e: ProcessEvent) {
        switch e.kind {
        case .fork:
            forked(parent: e.pid, parentPPID: e.ppid, comm: e.comm, child: e.childPID)
        case .exec where e.ret == 0:
            execed(e.pid, ppid: e.ppid, comm: e.comm, exe: e.exe.isEmpty ? e.filename : e.exe)
        case .exit:
            exiting(e.pid, ppid: e.ppid, comm: e.comm)
        default:
            break
        }
    }

    /// A child inherits its parent's name and executable. `comm` is the parent's,
    /// asked for only when the parent was not known yet.
    func forked(parent pid: UInt32, parentPPID: UInt32, comm: @autoclosure () -> String, child: UInt32) {
        let parent: Entry
        if let known = entries[pid] {
            parent = known
        } else {
            parent = Entry(pid: pid, ppid: parentPPID, comm: comm(), exe: "")
            entries[pid] = parent
        }
        entries[child] = Entry(pid: child, ppid: pid, comm: parent.comm, exe: parent.exe)
    }

    /// A successful exec: `exe` as the kernel resolved it, or the path as passed.
    func execed(_ pid: UInt32, ppid: UInt32, comm: String, exe: String) {
        var exe = exe
        if !exe.hasPrefix("/") {
            // A relative path as passed to execve; the kernel's view is absolute.
            exe = (try? ProcFS.link(Int32(bitPattern: pid), "exe").path) ?? exe
        }
        entries[pid] = Entry(pid: pid, ppid: ppid, comm: comm, exe: exe)
    }

    /// An exit about to be written: the process is known at least by its ids and name.
    func exiting(_ pid: UInt32, ppid: UInt32, comm: @autoclosure () -> String) {
        if entries[pid] == nil { entries[pid] = Entry(pid: pid, ppid: ppid, comm: comm(), exe: "") }
    }

    /// The entry of `pid`, re-read from /proc when the event's comm says the process has
    /// exec'd since (exec events may not be traced, so the cache cannot see it happen).
    public func current(_ pid: UInt32, comm: String) -> Entry? {
        if let entry = entries[pid], entry.comm == comm || pid == 0 { return entry }
        guard pid != 0, let dir = try? ProcessDirectory(Int32(bitPattern: pid)), let stat = try? dir.stat() else {
            return entries[pid]
        }
        let exe = (try? dir.link("exe").path) ?? ""
        let entry = Entry(pid: pid, ppid: UInt32(stat.parent), comm: comm, exe: exe)
        entries[pid] = entry
        return entry
    }

    /// Forget a process after its exit has been written.
    public func forget(_ e: ProcessEvent) {
        if e.kind == .exit { forget(e.pid) }
    }

    func forget(_ pid: UInt32) { entries.removeValue(forKey: pid) }

    /// Parent, grandparent, … up to pid 1 (or the first unknown), at most `limit`.
    public func ancestors(of pid: UInt32, limit: Int = 32) -> [Entry] {
        var out: [Entry] = []
        var current = entries[pid]?.ppid ?? 0
        while current != 0, out.count < limit, let entry = entries[current] {
            out.append(entry)
            if entry.ppid == current { break }
            current = entry.ppid
        }
        return out
    }
}
