import Glibc
import VigilSQL
import VigilSystem

/// `user_ssh_keys`: private keys in each user's ~/.ssh, whether a passphrase
/// protects them, and their type and size. Every file in ~/.ssh is read as its
/// user (`HomeFile`) and kept when it holds a private key. `path =` reads just
/// that file, wherever it is (its owner gives `uid`).
public struct UserSSHKeysTable: VirtualTable {
    public let schema = TableSchema("user_ssh_keys", "Private keys in each user's ~/.ssh: encrypted or not, type, size and strength.", [
        Column("uid", .bigint, "Account whose ~/.ssh holds the key (the file's owner for path =)", .additional),
        Column("path", .text, "Path of the key file", .index),
        Column("encrypted", .integer, "1 if a passphrase protects the key, else 0"),
        Column("key_type", .text, "rsa, dsa, ecdsa or ed25519"),
        Column("key_length", .integer, "Key size in bits; NULL for an encrypted PEM key, which hides it"),
        Column("key_security_bits", .integer, "Strength in bits as OpenSSL rates the key (RSA 3072: 128)"),
        Column("pid_with_namespace", .integer, "Read homes under /proc/PID/root; 0 means the host", [.additional, .hidden]),
    ])

    public init() {}

    /// Private keys are small; anything larger is not one.
    static let sizeLimit = 64 << 10

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        if let paths = context.texts("path") {
            for path in paths {
                guard let info = try? FileSystem.status(path), let bytes = try? RegularFile.read(path, limit: Self.sizeLimit),
                      let key = SSHPrivateKey.parse(bytes) else { continue }
                rows.append(row(uid: info.st_uid, path: path, key: key, pid: 0))
            }
            return RowSequence(rows)
        }
        for (pid, root) in PidNamespace.roots(context) {
            guard let accounts = try? UserHomes.accounts(context, root: root) else {
                if pid == 0 { throw TableError("user_ssh_keys: cannot read \(root)/etc/passwd") }
                continue
            }
            for a in accounts {
                let home = root + a.home
                let dir = (home.hasSuffix("/") ? home : home + "/") + ".ssh"
                for name in ((try? FileSystem.list(dir)) ?? []).sorted() {
                    guard let bytes = try? HomeFile.read(home: home, name: ".ssh/" + name, uid: a.uid, gid: a.gid, limit: Self.sizeLimit),
                          let key = SSHPrivateKey.parse(bytes) else { continue }
                    rows.append(row(uid: a.uid, path: PidNamespace.inside(dir + "/" + name, root: root), key: key, pid: pid))
                }
            }
        }
        return RowSequence(rows)
    }

    func row(uid: UInt32, path: String, key: SSHPrivateKey, pid: Int64) -> Row {
        var row = Row(schema)
        row["uid"] = SQLValue(uid)
        row["path"] = .text(path)
        row["encrypted"] = SQLValue(key.encrypted)
        row["key_type"] = .text(key.type)
        row["key_length"] = SQLValue(key.bits)
        row["key_security_bits"] = SQLValue(key.securityBits)
        row["pid_with_namespace"] = .integer(pid)
        return row
    }
}
