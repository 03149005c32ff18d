import Foundation
import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// secureboot: no row on this machine when it booted without EFI (as here); on an
/// efivarfs fixture, the value byte after the 4-byte attributes, as Python's struct reads it.
@Suite(.ownThread) struct SecureBootTests {
    @Test func hostWithoutEFIHasNoRow() throws {
        let rows = try query("SELECT * FROM secureboot")
        #expect(rows.count == (FileManager.default.fileExists(atPath: "/sys/firmware/efi") ? 1 : 0))
    }

    @Test func efivarsFixture() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let vars = root.appendingPathComponent("sys/firmware/efi/efivars")
        try FileManager.default.createDirectory(at: vars, withIntermediateDirectories: true)
        let guid = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
        // Attributes 0x06 (boot service + runtime access), then the value.
        try Data([6, 0, 0, 0, 1]).write(to: vars.appendingPathComponent("SecureBoot-\(guid)"))
        try Data([6, 0, 0, 0, 0]).write(to: vars.appendingPathComponent("SetupMode-\(guid)"))
        let truth = try shell(["python3", "-c", """
            import struct, sys
            for n in ['SecureBoot', 'SetupMode']:
                print(struct.unpack('<IB', open(sys.argv[1] + '/' + n + '-\(guid)', 'rb').read())[1])
            """, vars.path]).split(separator: "\n").map { Int64($0)! }
        let rows = try Database(tables: [SecureBootTable(root: root.path)]).query("SELECT * FROM secureboot")
        try #require(rows.count == 1)
        #expect([rows[0]["secure_boot"]!.int, rows[0]["setup_mode"]!.int] == truth)
    }
}
