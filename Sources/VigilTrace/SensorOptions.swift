/// What the sensors trace and how, applied in the kernel.
public struct SensorOptions: Sendable {
    /// Process, file and network events to report.
    public var events: Set<EventKind> = [.exec, .fork, .exit]
    /// Send exec, fork and exit records even when they are not among `events`, so a
    /// process cache learns every process (and its executable) from the kernel; the
    /// consumer writes only the kinds in `events`. Exec records sent only for this
    /// carry no argv.
    public var processRecords = false
    /// Syscalls to report as `syscall` events, by name.
    public var syscalls: [String] = []
    /// Bytes of string arguments captured (paths, names), 1…4094.
    public var stringSize: UInt32 = 256
    /// Bytes of buffer arguments captured (read/write data); 0 captures none.
    public var bufferSize: UInt32 = 0
    /// Time syscall events from entry to exit. Off, a syscall is hooked at exit only
    /// and its arguments read from the task's saved registers: about a third less
    /// cost per traced call. Kill rules hook the entry whatever this says.
    public var syscallDurations = false
    /// Trace only these processes (and, with `followChildren`, their descendants).
    public var pids: [Int32]?
    public var followChildren = true
    /// argv bytes captured per exec (at most VIGIL_ARGS_MAX - 1).
    public var argsSize: UInt32 = 1024
    /// Only events of processes with this real uid.
    public var uid: UInt32?
    /// Only events of processes with this command name (comm, at most 15 bytes).
    public var comm: String?
    /// Only events of processes in this cgroup v2 directory or below it.
    public var cgroupDirectory: String?
    /// Only events of processes running this executable (absolute path).
    public var exe: String?
    /// SIGKILL at syscall entry, decided in the kernel.
    public var killRules: [KernelKillRule] = []
    /// File integrity monitoring: changes to files under these paths (see `SyscallEvent.fileChanges`).
    public var fileIntegrity: FileIntegrityOptions?
    /// Ring buffer bytes (a power of two); the default holds over 100,000 events.
    public var ringBufferBytes: UInt32 = 16 << 20
    public init() {}
}

/// One kill rule as the kernel checks it at syscall entry: the syscall, and
/// optionally a uid, a comm and a string argument equal to or starting with a value.
public struct KernelKillRule: Sendable, Equatable {
    public var syscall: String
    /// The string argument to look at (e.g. `filename`), or nil for none.
    public var argument: String?
    public var value: String?
    public var prefix: Bool
    public var uid: UInt32?
    public var comm: String?

    public init(syscall: String, argument: String? = nil, value: String? = nil, prefix: Bool = false, uid: UInt32? = nil, comm: String? = nil) {
        self.syscall = syscall
        self.argument = argument
        self.value = value
        self.prefix = prefix
        self.uid = uid
        self.comm = comm
    }
}

extension EventKind {
    /// The syscalls behind a file event kind, where this kernel has them.
    var fileSyscalls: [String] {
        switch self {
        case .open: return ["open", "openat", "openat2", "creat"]
        case .read: return ["read", "pread64", "readv", "preadv", "preadv2"]
        case .write: return ["write", "pwrite64", "writev", "pwritev", "pwritev2"]
        default: return []
        }
    }
}
