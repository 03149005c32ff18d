import Glibc

/// uname(2): the running kernel and machine.
public struct Uname: Sendable, Equatable {
    public var sysname: String
    public var nodename: String
    /// Kernel release, as `uname -r` prints it.
    public var release: String
    /// Kernel build string, as `uname -v` prints it.
    public var version: String
    /// Hardware name, as `uname -m` prints it (x86_64, aarch64).
    public var machine: String

    public static func current() throws(SystemError) -> Uname {
        var u = utsname()
        _ = try retryingEINTR("uname") { uname(&u) }
        return Uname(sysname: fixedCString(u.sysname), nodename: fixedCString(u.nodename),
                     release: fixedCString(u.release), version: fixedCString(u.version), machine: fixedCString(u.machine))
    }
}

public enum Host {
    /// gethostname(2): the name set for this UTS namespace.
    public static func name() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
