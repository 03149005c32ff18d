import VigilSystem

/// Which program a process was running: where its last exec put its code and its
/// stack (mm->start_code and mm->start_stack; /proc/PID/stat's startcode and
/// startstack). Both are randomized at each exec and copied by fork, so a sample
/// taken before an exec is told from one taken after, and a child that has not
/// exec'd yet runs its parent's program.
public struct ProgramImage: Hashable, Sendable {
    public let startCode: UInt64
    public let startStack: UInt64

    /// Nil when nothing is known: a kernel thread, an exec that has not laid the
    /// program out yet (start_code is set last), or /proc hiding the values (1 and 0
    /// for a reader without ptrace access).
    public init?(startCode: UInt64, startStack: UInt64) {
        guard startCode > 1 else { return nil }
        self.startCode = startCode
        self.startStack = startStack
    }
}

extension ProcessStat {
    /// The program this stat shows the process running.
    var programImage: ProgramImage? { ProgramImage(startCode: startCode, startStack: startStack) }
}

/// The executable mappings of the processes being sampled, one copy per process
/// and program, shared by the unwinder and the resolver (one consumer thread).
///
/// Samples are read from the ring buffer after they were taken, sometimes long
/// after (an off-CPU wait ends when the thread runs again). By then the process may
/// have exec'd: a forked shell that sampled in its own code before exec'ing
/// `true` must be named from the shell's mappings, not from those of `true`. A copy
/// says which program it describes, and a sample of another program is named from
/// a copy of that program (the process's own older one, or its parent's, which a
/// child that has not exec'd shares), or marked as replaced when none is known.
final class ProcessImages {
    final class Copy {
        let pid: Int32
        let image: ProgramImage?
        private(set) var mappings: [ExecutableMapping]
        private(set) var readAt: Int64
        /// The process runs another program now: this copy can no longer be re-read.
        fileprivate(set) var superseded = false
        /// The process had exited when the copy was to be read again.
        fileprivate(set) var exited = false
        fileprivate var usedAt: Int64
        /// The resolver's file ID of each mapping, filled on first use.
        var fileIDs: [FileID?]

        fileprivate init(pid: Int32, image: ProgramImage?, mappings: [ExecutableMapping], readAt: Int64) {
            self.pid = pid
            self.image = image
            self.mappings = mappings
            self.readAt = readAt
            usedAt = readAt
            fileIDs = Array(repeating: nil, count: mappings.count)
        }

        fileprivate func update(_ fresh: [ExecutableMapping], at now: Int64) {
            // Keep the file IDs of mappings that did not change.
            var known: [UInt64: (ExecutableMapping, FileID?)] = [:]
            for (m, f) in zip(mappings, fileIDs) { known[m.start] = (m, f) }
            fileIDs = fresh.map { m in known[m.start].flatMap { $0.0 == m ? $0.1 : nil } }
            mappings = fresh
            readAt = now
        }

        func find(_ address: UInt64) -> Int? { ProcessMaps.index(of: address, in: mappings) }
    }

    enum Unreadable: Error, Equatable {
        /// The process exited before its mappings could be read.
        case gone
        /// /proc/PID/maps is not ours to read (not root, another user's process).
        case denied
        /// The process exec'd another program before any copy of the sampled one was read.
        case replaced
    }

    enum Lookup {
        case copy(Copy)
        case unreadable(Unreadable)
    }

    /// Copies by process, newest first; an older one is kept for samples taken
    /// before the exec that superseded it.
    private var byPid: [Int32: [Copy]] = [:]
    /// A copy of each program, to name a child that had not exec'd yet.
    private var byImage: [ProgramImage: Copy] = [:]
    /// Processes kept; beyond that the least recently sampled half is dropped, so a
    /// capture over thousands of short-lived processes (a build) stays small.
    private let maxProcesses: Int
    private let copiesPerProcess = 2
    private var last: (pid: Int32, image: ProgramImage?, copy: Copy)?

    init(maxProcesses: Int = 1024) { self.maxProcesses = maxProcesses }

    /// The copy that describes `image` in `pid`; nil `image`: what it runs now (or
    /// last ran, when it has exited since).
    func copy(pid: Int32, image: ProgramImage?, now: Int64) -> Lookup {
        if let last, last.pid == pid, last.image == image, !last.copy.superseded || image != nil {
            last.copy.usedAt = now
            return .copy(last.copy)
        }
        let result = find(pid: pid, image: image, now: now)
        if case .copy(let c) = result {
            c.usedAt = now
            last = (pid, image, c)
        }
        return result
    }

    private func find(pid: Int32, image: ProgramImage?, now: Int64) -> Lookup {
        let own = byPid[pid] ?? []
        if let image, let c = own.first(where: { $0.image == image }) { return .copy(c) }
        if image == nil, let newest = own.first, !newest.superseded { return .copy(newest) }
        // No copy of that program: read what the process runs now.
        let fresh: Snapshot
        switch Self.read(pid: pid) {
        case .success(let s): fresh = s
        case .failure(let reason):
            if image == nil, let newest = own.first { return .copy(newest) }  // exited: its last copy still names it
            if let image, let c = byImage[image] { return .copy(c) }
            return .unreadable(reason)
        }
        let current = insert(fresh, now: now)
        guard let image, fresh.image != image else { return .copy(current) }
        // The sample predates an exec. A child that had not exec'd yet ran its
        // parent's program: a copy of it, or the parent's mappings if it still runs it.
        if let c = byImage[image] { return .copy(c) }
        if fresh.parent > 0, case .success(let p) = Self.read(pid: fresh.parent), p.image == image {
            return .copy(insert(p, now: now))
        }
        // Read mid-exec (no program laid out yet) or with the values hidden: what
        // it runs now is the best there is.
        return fresh.image == nil ? .copy(current) : .unreadable(.replaced)
    }

    enum Refresh {
        /// The copy was read again.
        case updated
        /// Not due, or the process runs another program now.
        case unchanged
        /// The process is gone: the copy stays as last read.
        case exited
    }

    /// Read `copy`'s process again after an address fell outside it, when due (see
    /// `MapsRefresh`).
    func refresh(_ copy: Copy, takenAt: Int64?, now: Int64, interval: Int64) -> Refresh {
        if copy.exited { return .exited }
        guard !copy.superseded, MapsRefresh.due(readAt: copy.readAt, takenAt: takenAt, now: now, interval: interval) else { return .unchanged }
        let fresh: Snapshot
        switch Self.read(pid: copy.pid) {
        case .success(let s): fresh = s
        case .failure(.gone):
            copy.exited = true
            return .exited
        case .failure: return .unchanged
        }
        if fresh.image == copy.image || fresh.image == nil || copy.image == nil {
            copy.update(fresh.mappings, at: now)
            return .updated
        }
        _ = insert(fresh, now: now)  // it exec'd since: the new program gets its own copy
        return .unchanged
    }

    /// Whether `pid` is gone with no copy that holds `address` in the program it ran
    /// at `takenAt`: no copy at all, or one read before then that lacks it.
    func isGoneWithout(pid: Int32, image: ProgramImage?, address: UInt64, takenAt: Int64) -> Bool {
        let now = Clock.boottimeNanoseconds()
        switch copy(pid: pid, image: image, now: now) {
        case .unreadable(let reason): return reason == .gone
        case .copy(let c):
            guard c.find(address) == nil else { return false }
            let readBefore = c.readAt < takenAt
            return refresh(c, takenAt: takenAt, now: now, interval: MapsRefresh.expectedCodeInterval) == .exited && readBefore
        }
    }

    /// The executable file mappings a process had as it exited (sent by the kernel
    /// after its last samples): the copy of its program from now on, never read
    /// again. Mappings of an earlier copy that it no longer had (a library closed
    /// before the exit) are kept where they do not overlap.
    func insertExited(pid: Int32, image: ProgramImage?, mappings: [ExecutableMapping]) {
        let now = Clock.boottimeNanoseconds()
        let snapshot = mappings.sorted { $0.start < $1.start }
        var merged = snapshot
        if let earlier = byPid[pid]?.first(where: { $0.image == image }) {
            for m in earlier.mappings where !snapshot.contains(where: { $0.start < m.end && m.start < $0.end }) {
                merged.append(m)
            }
            merged.sort { $0.start < $1.start }
        }
        let copy = insert(Snapshot(pid: pid, parent: 0, image: image, mappings: merged), now: now)
        copy.exited = true
        if last?.copy === copy { last = nil }
    }

    /// Drop a process's copies (it exited).
    func forget(pid: Int32) {
        for c in byPid.removeValue(forKey: pid) ?? [] { drop(c) }
        if last?.pid == pid { last = nil }
    }

    /// Drop processes that no longer exist (a long capture sees many come and go).
    func forgetExited() {
        for pid in byPid.keys where ProcessLiveness.isGone(pid) { forget(pid: pid) }
    }

    private func insert(_ s: Snapshot, now: Int64) -> Copy {
        var list = byPid[s.pid] ?? []
        if let same = list.first(where: { $0.image == s.image }) {
            same.update(s.mappings, at: now)
            return same
        }
        if byPid[s.pid] == nil, byPid.count >= maxProcesses { evict() }
        let c = Copy(pid: s.pid, image: s.image, mappings: s.mappings, readAt: now)
        for older in list { older.superseded = true }
        list.insert(c, at: 0)
        while list.count > copiesPerProcess { drop(list.removeLast()) }
        byPid[s.pid] = list
        if let image = s.image { byImage[image] = c }
        return c
    }

    private func drop(_ c: Copy) {
        if let image = c.image, byImage[image] === c { byImage[image] = nil }
        if last?.copy === c { last = nil }
    }

    private func evict() {
        let byAge = byPid.sorted { ($0.value.first?.usedAt ?? 0) < ($1.value.first?.usedAt ?? 0) }
        for (pid, _) in byAge.prefix(byPid.count / 2) { forget(pid: pid) }
    }

    /// A process's mappings with the program they belong to: /proc/PID/stat read
    /// before and after, so an exec in between is seen and the read done again.
    struct Snapshot {
        let pid: Int32
        let parent: Int32
        let image: ProgramImage?
        let mappings: [ExecutableMapping]
    }

    static func read(pid: Int32) -> Result<Snapshot, Unreadable> {
        func failure(_ error: SystemError) -> Result<Snapshot, Unreadable> { .failure(error.isPermissionDenied ? .denied : .gone) }
        for _ in 0..<3 {
            do {
                let before = try ProcessStat.read(pid).programImage
                let mappings = try ProcessMaps.read(pid: pid)
                let stat = try ProcessStat.read(pid)
                // No executable mapping at all: the process is exiting (its memory
                // is released before it is reaped) or mid-exec; nothing to name with.
                if mappings.isEmpty { return .failure(.gone) }
                if before == stat.programImage {
                    return .success(Snapshot(pid: pid, parent: stat.parent, image: before, mappings: mappings))
                }
            } catch {
                return failure(error)
            }
        }
        return .failure(.replaced)  // exec'ing faster than it can be read
    }
}
