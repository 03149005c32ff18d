import Glibc

/// How many connections the server holds open at once. Every connection is a descriptor,
/// and a process out of descriptors fails more than new connections: SQLite cannot open
/// its files (writes are lost), and libdispatch ends the whole process when it cannot
/// read /proc/self/task (seen at 20,000 simulated agents against a 20,000-file limit).
/// So the open-file limit is raised to its hard limit, and a reserve of it is kept for
/// everything but connections; past the rest, new connections wait in the listen
/// backlog until others close.
enum ConnectionLimit {
    /// The soft open-file limit, raised to the hard one where allowed; nil when unknown.
    static func raiseFileLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
    }

    /// Connections allowed under `files` descriptors: a twentieth of them (at least 256,
    /// at most half) stays for the database, logs, certificates, outgoing connections and
    /// the runtime.
    static func connections(files: Int) -> Int {
        let reserve = min(max(256, files / 20), files / 2)
        return max(1, files - reserve)
    }
}
