import Glibc

/// One account from a passwd(5) file.
public struct PasswdEntry: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    /// The GECOS (comment) field, verbatim.
    public var gecos: String
    public var home: String
    public var shell: String

    public init(name: String, uid: UInt32, gid: UInt32, gecos: String, home: String, shell: String) {
        self.name = name; self.uid = uid; self.gid = gid
        self.gecos = gecos; self.home = home; self.shell = shell
    }
}

/// Reader for /etc/passwd. The file is parsed directly (not through NSS) so the
/// result is the machine's local accounts, as osquery reports them by default.
public enum Passwd {
    public static let defaultPath = "/etc/passwd"

    /// Local accounts from `root`/etc/passwd; `root` lets a caller read another
    /// mount namespace through /proc/PID/root.
    public static func read(root: String = "") throws(SystemError) -> [PasswdEntry] {
        parse(try FileSystem.readText(root + defaultPath))
    }

    /// Parse passwd(5) text; malformed lines and NIS "+"/"-" entries are skipped.
    public static func parse(_ text: String) -> [PasswdEntry] {
        FileSystem.lines(text).compactMap { line in
            if line.hasPrefix("#") || line.hasPrefix("+") || line.hasPrefix("-") { return nil }
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 7, !f[0].isEmpty, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return PasswdEntry(name: String(f[0]), uid: uid, gid: gid, gecos: String(f[4]),
                               home: String(f[5]), shell: String(f[6]))
        }
    }

    /// Every account NSS knows (files plus LDAP, SSSD...), via getpwent.
    /// getpwent keeps global state, so calls are serialised.
    public static func allAccounts() -> [PasswdEntry] {
        nssLock.withLock { _ in
            var out: [PasswdEntry] = []
            setpwent()
            defer { endpwent() }
            while let p = getpwent() {
                let s = { (c: UnsafeMutablePointer<CChar>?) in c.map { String(cString: $0) } ?? "" }
                out.append(PasswdEntry(name: s(p.pointee.pw_name), uid: p.pointee.pw_uid, gid: p.pointee.pw_gid,
                                       gecos: s(p.pointee.pw_gecos), home: s(p.pointee.pw_dir), shell: s(p.pointee.pw_shell)))
            }
            return out
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
