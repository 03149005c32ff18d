import Foundation
import Testing
import VigilSQL
@testable import VigilTables

@Suite struct PortageTests {
    /// A /var/db/pkg tree and world file of the test's own.
    @Test func packagesAndUseFlags() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pkg = dir.appendingPathComponent("pkg")
        func package(_ path: String, _ facts: [String: String]) throws {
            let d = pkg.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for (k, v) in facts { try (v + "\n").write(to: d.appendingPathComponent(k), atomically: true, encoding: .utf8) }
        }
        try package("sys-devel/gcc-12.2.1_p20230121-r1", ["SLOT": "12", "BUILD_TIME": "1690000000", "repository": "gentoo",
                                                          "EAPI": "8", "SIZE": "123456", "USE": "cxx fortran openmp"])
        try package("app-misc/foo-bar-2.0", ["SLOT": "0", "EAPI": "7", "USE": ""])
        let world = dir.appendingPathComponent("world")
        try "sys-devel/gcc:12\n".write(to: world, atomically: true, encoding: .utf8)
        let db = PortageDatabase(root: pkg.path, worldFile: world.path)
        let packages = PortagePackagesTable(database: db)
        let rows = try packages.generate(QueryContext(schema: packages.schema)).all()
        #expect(rows.map { $0["package"]!.string } == ["app-misc/foo-bar", "sys-devel/gcc"])
        #expect(rows.map { $0["version"]!.string } == ["2.0", "12.2.1_p20230121-r1"])
        #expect(rows[1]["slot"]?.string == "12")
        #expect(rows[1]["build_time"]?.int == 1_690_000_000)
        #expect(rows[1]["size"]?.int == 123_456)
        #expect(rows.map { $0["world"]!.int } == [0, 1])
        let use = PortageUseTable(database: db)
        let flags = try use.generate(QueryContext(schema: use.schema)).all()
        #expect(flags.map { $0["use"]!.string } == ["cxx", "fortran", "openmp"])
        #expect(flags.allSatisfy { $0["package"]?.string == "sys-devel/gcc" })
    }

    /// Not Gentoo here: the tables exist and are empty.
    @Test func hostHasNoPortage() throws {
        guard !FileManager.default.fileExists(atPath: "/var/db/pkg") else { return }
        #expect(try query("SELECT * FROM portage_packages").isEmpty)
        #expect(try query("SELECT * FROM portage_use").isEmpty)
    }
}
