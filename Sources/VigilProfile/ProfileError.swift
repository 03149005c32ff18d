import VigilSystem

/// What can go wrong while building or writing a profile. Per-frame problems (an
/// unreadable binary, a process that exited) are not errors: the frame stays
/// unsymbolized and the profile says so.
public enum ProfileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A system call failed (open, read, write...).
    case system(SystemError)
    /// The file is not an ELF file libelf can read.
    case notELF(path: String, reason: String)
    /// zlib refused (an internal error code).
    case compression(code: Int32)
    /// protobuf serialization failed.
    case encoding(String)

    public var description: String {
        switch self {
        case .system(let e): return e.description
        case .notELF(let path, let reason): return "\(path): not a readable ELF file (\(reason))"
        case .compression(let code): return "gzip: zlib error \(code)"
        case .encoding(let what): return "pprof encoding: \(what)"
        }
    }
}
