import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// atom_packages against a package folder the test writes under root's home
/// (~/.atom/packages/NAME/package.json), removed afterwards.
@Suite(.ownThread, .serialized, .requiresRoot) struct AtomPackagesTests {
    @Test func packageOfRoot() throws {
        try requireRoot()
        let home = try shell(["getent", "passwd", "root"]).split(separator: ":")[5].description
        let name = "vigil-test-\(UInt32.random(in: 0..<1_000_000))"
        let dir = home + "/.atom/packages/" + name
        let hadAtom = FileManager.default.fileExists(atPath: home + "/.atom")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: hadAtom ? dir : home + "/.atom") }
        let manifest = #"{"name": "\#(name)", "version": "1.2.3", "description": "A test package", "license": "MIT", "homepage": "https://example.org/vigil"}"#
        try manifest.write(toFile: dir + "/package.json", atomically: true, encoding: .utf8)
        // A folder without package.json is no package.
        try FileManager.default.createDirectory(atPath: dir + "-empty", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir + "-empty") }

        let rows = try query("SELECT * FROM atom_packages WHERE uid = 0").filter { $0["name"]?.string.hasPrefix("vigil-test-") == true }
        try #require(rows.count == 1)
        #expect(rows[0]["name"]?.string == name)
        #expect(rows[0]["version"]?.string == "1.2.3")
        #expect(rows[0]["description"]?.string == "A test package")
        #expect(rows[0]["license"]?.string == "MIT")
        #expect(rows[0]["homepage"]?.string == "https://example.org/vigil")
        #expect(rows[0]["path"]?.string == dir + "/package.json")
        #expect(rows[0]["uid"]?.int == 0)
        #expect(try query("SELECT * FROM atom_packages WHERE uid = 4294967294").isEmpty)
    }
}
