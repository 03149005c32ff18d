import Glibc

/// A failed system call: which call, on what, and errno.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable {
    public let errno: Int32
    public let operation: String
    public let path: String?

    public init(_ operation: String, path: String? = nil, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        if let path { return "\(operation) \(path): \(reason)" }
        return "\(operation): \(reason)"
    }

    /// The thing asked for no longer exists (a process that exited mid-read, a deleted file).
    public var isGone: Bool { errno == ENOENT || errno == ESRCH || errno == ENOTDIR }
    public var isPermissionDenied: Bool { errno == EACCES || errno == EPERM }
}

/// Run a system call that returns -1 on failure, retrying EINTR, and throw a typed error otherwise.
@inline(__always)
public func retryingEINTR<T: FixedWidthInteger>(_ operation: String, path: String? = nil, _ call: () -> T) throws(SystemError) -> T {
    while true {
        let r = call()
        if r != -1 { return r }
        if errno == EINTR { continue }
        throw SystemError(operation, path: path)
    }
}
