import Glibc
import Logging
import Synchronization
import VigilSystem

/// Enforces open and exec deny rules with fanotify permission events, machine-wide.
///
/// The kernel holds every watched open until this answers, so the listener must
/// never leave one waiting: every event gets an answer, allow unless a rule matches,
/// including when anything about it cannot be read; the decision reads only /proc
/// (never a watched file: the listener would wait for itself); Vigil's own calls are
/// allowed at once. Closing the group (stop, deinit, or the process dying) lets
/// every pending event through.
public final class FanotifyGuard: @unchecked Sendable {
    static let mechanism = "fanotify"
    let group: Fanotify
    let rules: [PreventionPlan.PathRule]
    let log: DenialLog
    let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private var thread: NamedThread?
    private let ownPID = getpid()

    public init(rules: [PreventionPlan.PathRule], log: DenialLog, logger: Logger) throws(SystemError) {
        group = try Fanotify()
        self.rules = rules
        self.log = log
        self.logger = logger
        for rule in rules {
            let mask = rule.exec ? Fanotify.execPermission : Fanotify.openPermission
            for path in rule.paths { try watch(path, prefix: rule.prefix, mask: mask) }
        }
    }

    /// An exact path: the file itself (every link to it) and its directory's entries
    /// (a file created or renamed there later). A prefix: the whole filesystem (or
    /// mount) under its deepest existing directory; the rule's path decides.
    func watch(_ path: String, prefix: Bool, mask: UInt64) throws(SystemError) {
        let place = Self.deepestExisting(path)
        if prefix {
            do { try group.mark(place, mask: mask, scope: .filesystem) } catch { try group.mark(place, mask: mask, scope: .mount) }
            return
        }
        if place == path { try group.mark(path, mask: mask, scope: .inode(children: false)) }
        let parent = Self.deepestExisting(Self.directory(of: path))
        try group.mark(parent, mask: mask, scope: .inode(children: true))
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func deepestExisting(_ path: String) -> String {
        var p = path
        while p != "/" && access(p, F_OK) != 0 { p = directory(of: p) }
        return p
    }

    /// Start answering (on its own thread).
    public func start() throws(SystemError) {
        thread = try NamedThread.start("vigil-fanotify") { [self] in run() }
        logger.debug("fanotify: answering open and exec permission events for \(rules.count) deny rules")
    }

    /// Stop answering and wait for the listener; the group closes with this object.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        thread?.join()
        thread = nil
    }

    deinit { stop() }

    private func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 8)
        defer { buffer.deallocate() }
        var ready = pollfd(fd: group.fd, events: Int16(POLLIN), revents: 0)
        while !stopping.load(ordering: .relaxed) {
            // Wakes at least every 100 ms to see a stop.
            let r = poll(&ready, 1, 100)
            if r < 0 && errno != EINTR {
                // Never leave: events would wait for an answer until the guard closes.
                logger.warning("fanotify: poll failed: \(String(cString: strerror(errno))); reading anyway")
                usleep(10_000)
            } else if r <= 0 {
                continue
            }
            while true {
                let events = group.events(into: buffer)
                if events.isEmpty { break }
                for event in events { group.respond(event, allow: decide(event)) }
            }
        }
    }

    /// Allow unless a rule matches; anything unreadable allows.
    func decide(_ event: Fanotify.Event) -> Bool {
        guard let who = Self.thread(event.tid), who.tgid != ownPID else { return true }
        guard let path = try? FileSystem.readLink("/proc/self/fd/\(event.fileFD)") else { return true }
        for rule in rules where rule.exec ? event.isExec : event.isOpen {
            guard rule.paths.contains(where: { rule.prefix ? path.hasPrefix($0) : path == $0 }) else { continue }
            if !rule.comms.isEmpty && !rule.comms.contains(who.comm) { continue }
            if !rule.uids.isEmpty && !rule.uids.contains(who.uid) { continue }
            if !rule.pids.isEmpty && !rule.pids.contains(who.tgid) { continue }
            log.record(tid: event.tid, Denial(rule: rule.rule, mechanism: Self.mechanism))
            return false
        }
        return true
    }

    /// The thread's process, command name and real uid, from /proc/TID/status.
    static func thread(_ tid: Int32) -> (tgid: Int32, comm: String, uid: UInt32)? {
        guard tid > 0, let text = FileSystem.readTextIfPresent("/proc/\(tid)/status") else { return nil }
        var tgid: Int32?, comm: String?, uid: UInt32?
        for line in FileSystem.lines(text) {
            if line.hasPrefix("Name:") { comm = String(line.dropFirst(5).drop { $0 == "\t" || $0 == " " }) }
            else if line.hasPrefix("Tgid:") { tgid = Int32(line.dropFirst(5).trimmingCharacters()) }
            else if line.hasPrefix("Uid:") { uid = line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap { UInt32($0) } }
        }
        guard let tgid, let comm, let uid else { return nil }
        return (tgid, comm, uid)
    }
}
