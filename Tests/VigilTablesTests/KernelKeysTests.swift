import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// A key keyctl adds to the user keyring, found with the type, owner, permissions
/// and description `keyctl rdescribe` reports for it.
@Suite(.ownThread) struct KernelKeysTests {
    @Test func keyAddedByKeyctlIsListed() throws {
        let name = "vigil-test-\(UInt32.random(in: 0..<1_000_000))"
        let serialText = try shell(["keyctl", "add", "user", name, "secret-payload", "@u"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let serial = try #require(UInt32(serialText), "keyctl add printed \(serialText)")
        defer { _ = try? shell(["keyctl", "unlink", serialText, "@u"]) }
        // type;uid;gid;perm;description
        let truth = try shell(["keyctl", "rdescribe", serialText]).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";")
        try #require(truth.count == 5, "keyctl rdescribe: \(truth)")

        let hex = String(format: "%08x", serial)
        let rows = try query("SELECT * FROM kernel_keys WHERE serial_number = '\(hex)'")
        try #require(rows.count == 1, "/proc/keys has no \(hex): \(rows)")
        let r = rows[0]
        #expect(r["type"]?.string == String(truth[0]))
        #expect(r["uid"]?.int == Int64(truth[1]))
        #expect(r["gid"]?.int == Int64(truth[2]))
        #expect(r["permissions"]?.string == String(truth[3]))
        // The user type summarises its payload's length after the name.
        #expect(r["description"]?.string == "\(name): \("secret-payload".count)")
        #expect(r["timeout"]?.string == "perm")
        #expect((r["usage"]?.int ?? 0) >= 1)
    }
}
