import Foundation
import VigilSystem

/// An ordinary local account made for one test (useradd), with its home in a fresh
/// directory; removed with its home (userdel -r) when released. What the hostile-user
/// tests act as: `run` executes a command with its uid, gid and no other groups
/// (setpriv), as that user would.
public final class LocalUser {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
    public let home: String
    let base: String

    public init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-user-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        name = "vt" + String(UUID().uuidString.prefix(8)).lowercased()
        home = base + "/home"
        guard reap(try spawnClean(["/usr/sbin/useradd", "--create-home", "--home-dir", home, "--shell", "/bin/sh",
                                   "--user-group", name], quiet: true)) == 0 else {
            throw POSIXError(.EPERM)
        }
        guard let entry = getpwnam(name) else { throw POSIXError(.ENOENT) }
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
    }

    deinit {
        _ = try? reap(spawnClean(["/usr/sbin/userdel", "--remove", "--force", name], quiet: true))
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Run `arguments` as this user; returns the exit status.
    @discardableResult
    public func run(_ arguments: [String]) throws -> Int32 {
        reap(try spawnClean(["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"] + arguments, quiet: true))
    }
}
