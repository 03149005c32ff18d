import CLinux
import Glibc

/// A file in a user's home directory, read as that user (`ThreadIdentity`) and only
/// when it is a regular file on a disk (`RegularFile`): everything under a home is
/// the user's to point anywhere, at /etc/shadow or /proc/kmsg.
public enum HomeFile {
    /// The bytes of `name` (relative, such as ".ssh/authorized_keys") under `home`, up
    /// to `limit`. The home directory is opened as this process (its path is root's,
    /// from passwd, and may cross /proc/PID/root, which the user could not enter); every
    /// component below it is resolved with the user's permissions.
    public static func read(home: String, name: String, uid: UInt32, gid: UInt32, limit: Int) throws(SystemError) -> [UInt8] {
        let directory = try retryingEINTR("open", path: home) { open(home, VIGIL_O_PATH | O_DIRECTORY | O_CLOEXEC) }
        defer { close(directory) }
        return try ThreadIdentity.asUser(uid: uid, gid: gid) { () throws(SystemError) in
            try RegularFile.read(at: directory, name, limit: limit)
        }
    }
}
