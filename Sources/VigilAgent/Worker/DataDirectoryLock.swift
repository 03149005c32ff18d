import CLinux
import Glibc
import VigilSystem

/// One agent per data directory. The supervisor takes an exclusive flock on
/// DATA_DIR/agent.lock and its workers inherit the descriptor (no O_CLOEXEC): the
/// lock belongs to the open file, so it is held while the supervisor or any worker
/// it started lives. A second agent on the same directory, even one started while an
/// orphaned worker still runs, is refused instead of running the schedule twice.
public enum DataDirectoryLock {
    public enum Failure: Error, CustomStringConvertible {
        case held(path: String, pid: String)
        case system(SystemError)

        public var description: String {
            switch self {
            case .held(let path, let pid):
                return "another agent (pid \(pid)) runs on this data directory: \(path) is locked; stop it first"
            case .system(let e): return "\(e)"
            }
        }
    }

    /// Take the lock for this process and its children; returns the descriptor, which
    /// must stay open for the agent's lifetime.
    @discardableResult
    public static func acquire(_ paths: AgentPaths) throws(Failure) -> Int32 {
        let path = paths.dataDirectory + "/agent.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .system(SystemError("open", path: path)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            let holder = (try? FileSystem.readText(path, limit: 32))?.trimmingCharacters() ?? "?"
            close(fd)
            if e == EWOULDBLOCK { throw .held(path: path, pid: holder.isEmpty ? "?" : holder) }
            throw .system(SystemError("flock", path: path, errno: e))
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        setenv(supervisorVariable, String(getpid()), 1)
        isSupervisor = true
        descriptor = fd
        return fd
    }

    /// The supervisor's pid, as its workers find it in their environment.
    static let supervisorVariable = "VIGIL_SUPERVISOR_PID"

    /// Whether this process is a worker started by a supervisor.
    public static var isSupervised: Bool { getenv(supervisorVariable) != nil && !isSupervisor }

    /// The lock's descriptor in the process that took it, for its workers to inherit.
    nonisolated(unsafe) public private(set) static var descriptor: Int32?

    /// Set in the process that took the lock (it also has the variable, for its children).
    nonisolated(unsafe) static var isSupervisor = false

    /// In the worker: die with the supervisor (PR_SET_PDEATHSIG, SIGTERM so that it
    /// stops gracefully), and exit now if the supervisor is already gone (the signal
    /// is set only for a parent that is still there). A worker run by hand, with no
    /// supervisor, is left alone.
    public static func followSupervisor() {
        guard let text = getenv(supervisorVariable), let supervisor = pid_t(String(cString: text)) else { return }
        _ = vigil_set_parent_death_signal(SIGTERM)
        if getppid() != supervisor {
            FileDescriptorText.write("vigil agent worker: its supervisor (pid \(supervisor)) is gone; exiting\n", to: 2)
            exit(1)
        }
    }
}
