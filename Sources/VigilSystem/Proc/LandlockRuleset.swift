import CLinux
import Glibc

/// A Landlock ruleset (landlock(7)) for a command Vigil starts: the accesses it
/// handles are refused (EACCES) everywhere except beneath the directories it
/// grants them on. Built in Vigil, applied in the child before its exec
/// (`ChildProcess.spawnStopped(_:landlock:)`); owns its descriptor.
public final class LandlockRuleset: @unchecked Sendable {
    public let fd: Int32
    public let handled: UInt64

    /// LANDLOCK_ACCESS_FS_* rights.
    public static let removeDirectory = UInt64(LANDLOCK_ACCESS_FS_REMOVE_DIR)
    public static let removeFile = UInt64(LANDLOCK_ACCESS_FS_REMOVE_FILE)
    public static let makeDirectory = UInt64(LANDLOCK_ACCESS_FS_MAKE_DIR)

    /// landlock_create_ruleset for `handled` accesses.
    public init(handling handled: UInt64) throws(SystemError) {
        let fd = vigil_landlock_create_ruleset(handled)
        guard fd >= 0 else { throw SystemError("landlock_create_ruleset") }
        self.fd = fd
        self.handled = handled
    }

    deinit { close(fd) }

    /// Grant `access` beneath `directory` (landlock_add_rule, LANDLOCK_RULE_PATH_BENEATH).
    public func allow(_ access: UInt64, beneath directory: String) throws(SystemError) {
        let dir = open(directory, VIGIL_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw SystemError("open", path: directory) }
        defer { close(dir) }
        guard vigil_landlock_allow_beneath(fd, access, dir) == 0 else { throw SystemError("landlock_add_rule", path: directory) }
    }

    /// A ruleset that refuses `access` beneath each of `protected` (absolute
    /// directories) and grants it beside them: on every directory next to each of
    /// their ancestors. Landlock only grants, so it also refuses `access` in the
    /// ancestors' own entries and in directories made beside them later.
    public static func refusing(_ access: UInt64, beneath protected: [String]) throws(SystemError) -> LandlockRuleset {
        let ruleset = try LandlockRuleset(handling: access)
        let kept = Set(protected.flatMap(ancestors))  // the protected paths and their ancestors
        for directory in kept where !protected.contains(directory) {
            for name in (try? FileSystem.list(directory)) ?? [] {
                let path = (directory == "/" ? "" : directory) + "/" + name
                var info = stat()
                guard !kept.contains(path), lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
                try ruleset.allow(access, beneath: path)
            }
        }
        return ruleset
    }

    /// "/a/b" → ["/", "/a", "/a/b"].
    static func ancestors(_ path: String) -> [String] {
        var out = ["/"]
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            out.append(current)
        }
        return out
    }
}
