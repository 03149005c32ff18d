import Glibc

/// One record of a utmp(5) file (who is logged in, boot and run-level records).
public struct UtmpEntry: Sendable, Equatable {
    /// ut_type: EMPTY 0, RUN_LVL 1, BOOT_TIME 2, NEW_TIME 3, OLD_TIME 4,
    /// INIT_PROCESS 5, LOGIN_PROCESS 6, USER_PROCESS 7, DEAD_PROCESS 8, ACCOUNTING 9.
    public var type: Int16
    public var pid: Int32
    public var line: String
    public var user: String
    public var host: String
    /// Seconds since the epoch.
    public var time: Int64

    public init(type: Int16, pid: Int32, line: String, user: String, host: String, time: Int64) {
        self.type = type; self.pid = pid; self.line = line; self.user = user; self.host = host; self.time = time
    }

    /// The lower-case name of `type`.
    public var typeName: String {
        let names = ["empty", "runlevel", "boot_time", "new_time", "old_time", "init", "login", "user", "dead", "accounting"]
        return type >= 0 && Int(type) < names.count ? names[Int(type)] : "unknown"
    }
}

/// Reader for utmp files through glibc's getutxent family.
public enum Utmp {
    public static let defaultPath = "/var/run/utmp"

    /// Every record in `path`. A missing file is no sessions (containers and
    /// minimal systems have none), not an error.
    public static func read(_ path: String = defaultPath) throws(SystemError) -> [UtmpEntry] {
        guard FileSystem.exists(path) else { return [] }
        // glibc silently yields nothing for an unreadable file; surface it instead.
        let fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        close(fd)
        return nssLock.withLock { _ in
            // The cursor and file name are process-wide: set, walk, then restore the default.
            _ = utmpname(path)
            setutxent()
            defer {
                endutxent()
                _ = utmpname(defaultPath)
            }
            var out: [UtmpEntry] = []
            while let e = getutxent() {
                let r = e.pointee
                out.append(UtmpEntry(type: r.ut_type, pid: r.ut_pid, line: fixedCString(r.ut_line), user: fixedCString(r.ut_user),
                                     host: fixedCString(r.ut_host), time: Int64(r.ut_tv.tv_sec)))
            }
            return out
        }
    }
}
