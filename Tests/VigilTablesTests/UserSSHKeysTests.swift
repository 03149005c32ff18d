import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// Keys made with ssh-keygen, with and without a passphrase, in OpenSSH's format
/// and in PEM; size and type checked against `ssh-keygen -l`.
@Suite(.ownThread, .serialized, .requiresRoot) struct UserSSHKeysTests {
    struct Made { let path: String; let encrypted: Bool; let type: String }

    func makeKeys(in dir: String) throws -> [Made] {
        var made: [Made] = []
        for (type, bits, pem, passphrase) in [("rsa", "3072", false, ""), ("rsa", "2048", false, "secret phrase"),
                                              ("ed25519", "", false, "pw"), ("ecdsa", "384", false, ""),
                                              ("rsa", "2048", true, ""), ("rsa", "2048", true, "pem phrase")] {
            let path = dir + "/vigil-test-\(type)-\(made.count)"
            var args = ["ssh-keygen", "-q", "-t", type, "-N", passphrase, "-C", "vigil test", "-f", path]
            if !bits.isEmpty { args += ["-b", bits] }
            if pem { args += ["-m", "PEM"] }
            _ = try shell(args)
            try #require(FileManager.default.fileExists(atPath: path), "ssh-keygen made \(path)")
            made.append(Made(path: path, encrypted: !passphrase.isEmpty, type: type))
        }
        return made
    }

    /// `ssh-keygen -l -f KEY.pub`: "BITS SHA256:... comment (TYPE)".
    func fingerprintBits(_ path: String) throws -> Int64? {
        Int64(try shell(["ssh-keygen", "-l", "-f", path + ".pub"]).split(separator: " ").first ?? "")
    }

    /// Keys written into root's ~/.ssh are found by the per-user scan.
    @Test func rootKeysAreFoundWithTheirEncryption() throws {
        try requireRoot()
        let ssh = "/root/.ssh"
        let createdDir = !FileManager.default.fileExists(atPath: ssh)
        if createdDir { try FileManager.default.createDirectory(atPath: ssh, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700]) }
        let scratch = ssh + "/vigil-keys-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false)
        defer {
            try? FileManager.default.removeItem(atPath: scratch)
            if createdDir { try? FileManager.default.removeItem(atPath: ssh) }
        }
        // Generate elsewhere, then move the private keys into ~/.ssh itself (the table does not recurse).
        let made = try makeKeys(in: scratch)
        var placed: [Made] = []
        for m in made {
            let target = ssh + "/" + (m.path as NSString).lastPathComponent + "-\(UUID().uuidString.prefix(6))"
            try FileManager.default.copyItem(atPath: m.path, toPath: target)
            placed.append(Made(path: target, encrypted: m.encrypted, type: m.type))
        }
        defer { for p in placed { try? FileManager.default.removeItem(atPath: p.path) } }

        let rows = try query("SELECT * FROM user_ssh_keys WHERE uid = 0")
        for (m, original) in zip(placed, made) {
            let row = try #require(rows.first { $0["path"]?.string == m.path }, "\(m.path)")
            #expect(row["encrypted"]?.int == (m.encrypted ? 1 : 0), "\(m.path)")
            #expect(row["key_type"]?.string == m.type, "\(m.path)")
            #expect(row["uid"]?.int == 0)
            // An encrypted PEM key hides its size; every other one shows ssh-keygen's.
            let text = try String(contentsOfFile: m.path, encoding: .utf8)
            let pemEncrypted = m.encrypted && text.contains("Proc-Type")
            if pemEncrypted {
                #expect(row["key_length"] == .null)
            } else {
                #expect(row["key_length"]?.int == (try fingerprintBits(original.path)), "\(m.path)")
            }
        }
        // The osquery pack's query runs and lists only unencrypted ones of ours.
        let unencrypted = try query("SELECT path FROM users JOIN user_ssh_keys USING (uid) WHERE encrypted = 0").compactMap { $0["path"]?.string }
        for m in placed { #expect(unencrypted.contains(m.path) == !m.encrypted) }
    }

    @Test func pathConstraintReadsThatFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try makeKeys(in: dir.path)
        for m in made {
            let rows = try query("SELECT * FROM user_ssh_keys WHERE path = '\(m.path)'")
            #expect(rows.count == 1)
            #expect(rows.first?["encrypted"]?.int == (m.encrypted ? 1 : 0))
            #expect(rows.first?["key_security_bits"]?.int ?? 0 >= 112 || (rows.first?["key_security_bits"] == .null && m.encrypted))
        }
        // A public key or other file is not a private key: no row.
        #expect(try query("SELECT * FROM user_ssh_keys WHERE path = '\(made[0].path).pub'").isEmpty)
    }
}
