import Glibc

/// One line of /etc/passwd.
public struct PasswdEntry: Sendable, Equatable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
    public let gecos: String
    public let home: String
    public let shell: String
}

/// Local accounts: /etc/passwd parsing, and name lookups through NSS.
public enum Passwd {
    public static let defaultPath = "/etc/passwd"

    /// Every well-formed entry of the file, in file order.
    public static func read(_ path: String = defaultPath) throws(SystemError) -> [PasswdEntry] {
        parse(try FileSystem.readText(path))
    }

    /// `name:password:uid:gid:gecos:home:shell`; malformed lines and NIS "+" lines are skipped.
    public static func parse(_ text: String) -> [PasswdEntry] {
        FileSystem.lines(text).compactMap { line in
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 7, !f[0].hasPrefix("+"), !f[0].hasPrefix("-"),
                  let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return PasswdEntry(name: String(f[0]), uid: uid, gid: gid, gecos: String(f[4]),
                               home: String(f[5]), shell: String(f[6]))
        }
    }

    /// The user name of `uid` (getpwuid_r), or nil when no account has it.
    public static func userName(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.pw_name)
    }

    /// The group name of `gid` (getgrgid_r), or nil when no group has it.
    public static func groupName(_ gid: UInt32) -> String? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return String(cString: entry.gr_name)
    }
}
