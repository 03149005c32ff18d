/// One frame of a trace before symbolization: what it takes to name it later and
/// to tell two traces apart. Frames are interned per profile, so a trace is a
/// list of small indexes.
public struct Frame: Hashable, Sendable {
    public enum Kind: UInt8, Sendable {
        /// `address` is a kernel address; `file` is the kernel's file ID.
        case kernel
        /// `address` is an ELF virtual address in the executable `file`.
        case native
        /// `address` is a process address in anonymous executable memory (JIT code);
        /// `file` holds the pid, whose /tmp/perf-PID.map names it.
        case jit
        /// `address` is outside every mapping of the process (`file` holds the pid).
        case unmapped
        /// Not a frame: where the unwinder stopped (`address` is a `Marker`).
        case marker
    }

    /// Synthetic root frames that say a stack is incomplete.
    public enum Marker: UInt64, Sendable {
        case userTruncated = 1, userFailed, kernelTruncated, kernelFailed
        /// The process exited before its mappings were read: user addresses cannot be named.
        case processGone
        /// The process's mappings may not be read by us (not root).
        case mappingsDenied
        /// Inside execve, with the calling program's memory already replaced.
        case execReplaced
        /// The process exec'd another program before the sampled one's mappings were read.
        case imageReplaced

        public var name: String {
            switch self {
            case .userTruncated: return "[user stack truncated]"
            case .userFailed: return "[user unwind failed]"
            case .kernelTruncated: return "[kernel stack truncated]"
            case .kernelFailed: return "[kernel unwind failed]"
            case .processGone: return "[process exited before its mappings were read]"
            case .mappingsDenied: return "[process mappings not readable: permission denied]"
            case .execReplaced: return "[in execve: the calling program was already replaced]"
            case .imageReplaced: return "[program replaced by exec before its mappings were read]"
            }
        }
    }

    public let kind: Kind
    public let file: FileID
    public let address: UInt64

    public init(kind: Kind, file: FileID, address: UInt64) {
        self.kind = kind
        self.file = file
        self.address = address
    }

    static func marker(_ m: Marker) -> Frame { Frame(kind: .marker, file: .zero, address: m.rawValue) }

    /// The pid a JIT or unmapped frame belongs to.
    var pid: Int32 { Int32(truncatingIfNeeded: file.low) }
}
