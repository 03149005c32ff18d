import Foundation
import Testing
import VigilSQL
import VigilSystem
import VigilTestSupport

@Suite(.ownThread, .serialized) struct AuthorizedKeysTests {
    static let ed25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIGm1Q5vVg6oZC3eD3m0mXoZyq2S6l8o1kO0Vnq4uKc9y"
    static let rsa = "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vigiltestkeyonly"

    /// root's authorized_keys: rows carry each key line's parts. When root has no
    /// such file the test writes one (with options holding a quoted space) and
    /// removes it, and ~/.ssh too if it created that.
    @Test func rootKeysMatchFile() throws {
        let fm = FileManager.default
        let ssh = "/root/.ssh"
        let path = ssh + "/authorized_keys"
        var createdDir = false, createdFile = false
        if !fm.fileExists(atPath: ssh) {
            try fm.createDirectory(atPath: ssh, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            createdDir = true
        }
        if !fm.fileExists(atPath: path) {
            let text = """
                # vigil test keys
                ssh-ed25519 \(Self.ed25519) alice@example

                from="10.0.0.1",command="echo hi there" ssh-rsa \(Self.rsa) bob key two

                """
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            createdFile = true
        }
        defer {
            if createdFile { try? fm.removeItem(atPath: path) }
            if createdDir { try? fm.removeItem(atPath: ssh) }
        }

        let rows = try query("SELECT * FROM authorized_keys WHERE uid = 0").filter { $0["key_file"]?.string == path }
        if createdFile {
            #expect(rows.count == 2)
            #expect(rows.first?["algorithm"]?.string == "ssh-ed25519")
            #expect(rows.first?["key"]?.string == Self.ed25519)
            #expect(rows.first?["comment"]?.string == "alice@example")
            #expect(rows.first?["options"]?.string == "")
            #expect(rows.last?["algorithm"]?.string == "ssh-rsa")
            #expect(rows.last?["key"]?.string == Self.rsa)
            #expect(rows.last?["options"]?.string == "from=\"10.0.0.1\",command=\"echo hi there\"")
            #expect(rows.last?["comment"]?.string == "bob key two")
        } else {
            // An existing file: every key blob in it appears, in order.
            let blobs = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line -> String? in
                let words = line.split(separator: " ")
                guard let i = words.firstIndex(where: { $0.hasPrefix("ssh-") || $0.hasPrefix("ecdsa-") || $0.hasPrefix("sk-") }),
                      !line.hasPrefix("#"), i + 1 < words.count else { return nil }
                return String(words[i + 1])
            }
            #expect(rows.map { $0["key"]!.string } == blobs)
        }
        #expect(rows.allSatisfy { $0["uid"]?.int == 0 })
    }
}
