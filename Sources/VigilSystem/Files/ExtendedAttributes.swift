import CLinux
import Glibc

/// A file's extended attributes (xattr(7)) through llistxattr(2) and lgetxattr(2):
/// the link itself, never what a symbolic link points to.
public enum ExtendedAttributes {
    /// Every (name, value) pair of `path`, in the order the file system lists them.
    /// Attributes that vanish between the list and the read are left out.
    public static func read(_ path: String) throws(SystemError) -> [(name: String, value: [UInt8])] {
        let names = try buffer("llistxattr", path) { llistxattr(path, $0, $1) }
        var out: [(String, [UInt8])] = []
        for name in names.split(separator: 0) {
            let key = String(decoding: name, as: UTF8.self)
            do {
                let value = try buffer("lgetxattr", path) { lgetxattr(path, key, $0, $1) }
                out.append((key, value))
            } catch where error.errno == ENODATA {
                continue
            }
        }
        return out
    }

    /// Ask for the size, then read; retry when the attribute grew in between (ERANGE).
    private static func buffer(_ operation: String, _ path: String, _ call: (UnsafeMutablePointer<CChar>?, Int) -> Int) throws(SystemError) -> [UInt8] {
        while true {
            let size = try retryingEINTR(operation, path: path) { call(nil, 0) }
            if size == 0 { return [] }
            var bytes = [UInt8](repeating: 0, count: size)
            let n = bytes.withUnsafeMutableBufferPointer { b in
                b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: size) { call($0, size) }
            }
            if n >= 0 { return Array(bytes[..<n]) }
            if errno == ERANGE || errno == EINTR { continue }
            throw SystemError(operation, path: path)
        }
    }
}
