/// One loaded module from /proc/modules:
/// "name size refcount users,| - state address".
public struct KernelModule: Sendable, Equatable {
    public var name: String
    public var size: Int64
    /// Modules using this one, comma separated, or "-" for none.
    public var usedBy: String
    public var state: String
    public var address: String
}

public enum KernelModules {
    /// Loaded modules; a kernel without module support has no /proc/modules,
    /// which is an empty list rather than an error.
    public static func read() throws(SystemError) -> [KernelModule] {
        guard FileSystem.exists("/proc/modules") else { return [] }
        return parse(try FileSystem.readText("/proc/modules"))
    }

    public static func parse(_ text: String) -> [KernelModule] {
        FileSystem.lines(text).compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 6 else { return nil }
            var users = Substring(f[3])
            if users.count > 1 && users.hasSuffix(",") { users = users.dropLast() }
            return KernelModule(name: String(f[0]), size: Int64(f[1]) ?? 0, usedBy: String(users),
                                state: String(f[4]), address: String(f[5]))
        }
    }
}

/// /proc/cmdline: the arguments the kernel was booted with.
public struct KernelCommandLine: Sendable, Equatable {
    public var text: String

    public static func read() throws(SystemError) -> KernelCommandLine {
        KernelCommandLine(text: try FileSystem.readText("/proc/cmdline").trimmingCharacters())
    }

    /// The value of the first `key=value` argument, e.g. "root" or "BOOT_IMAGE".
    public func value(_ key: String) -> String? {
        for arg in text.split(separator: " ") where arg.hasPrefix(key + "=") {
            return String(arg.dropFirst(key.count + 1))
        }
        return nil
    }
}
