import CLinux
import CZip
import Glibc

/// One entry of a zip archive (a Java jar) in a user's home, through libzip
/// (`vigil_zip_read_entry`, see CZip.h). The archive is opened as that user and
/// only when it is a regular file on a disk, as `HomeFile` reads files.
public enum ZipEntry {
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case libraryUnavailable
        public var description: String { "libzip (libzip.so.4) cannot be loaded" }
    }

    /// The bytes of `entry` in the archive `name` (relative to `home`); nil when the
    /// archive cannot be opened or read, has no such entry, or it is over `limit` bytes.
    public static func read(home: String, name: String, entry: String, uid: UInt32, gid: UInt32, limit: Int) throws(Failure) -> [UInt8]? {
        guard let fd = try? openAsUser(home: home, name: name, uid: uid, gid: gid) else { return nil }
        var buffer = [UInt8](repeating: 0, count: limit)
        // The call closes the descriptor whatever happens.
        let size = buffer.withUnsafeMutableBytes { vigil_zip_read_entry(fd, entry, $0.baseAddress, limit) }
        if size == -2 { throw .libraryUnavailable }
        guard size >= 0, size <= Int64(limit) else { return nil }
        return Array(buffer.prefix(Int(size)))
    }

    static func openAsUser(home: String, name: String, uid: UInt32, gid: UInt32) throws(SystemError) -> Int32 {
        let directory = try retryingEINTR("open", path: home) { open(home, VIGIL_O_PATH | O_DIRECTORY | O_CLOEXEC) }
        defer { close(directory) }
        return try ThreadIdentity.asUser(uid: uid, gid: gid) { () throws(SystemError) in
            try RegularFile.open(at: directory, name)
        }
    }
}
