import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct PortageTests {
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

    /// /etc/portage in Gentoo's layout: package.accept_keywords a folder (with a
    /// sub-folder, a hidden file and an editor backup, which Portage skips),
    /// package.keywords (its older name) and package.mask files, package.unmask a folder.
    @Test func keywordsMasksAndUnmasks() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ path: String, _ text: String) throws {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("package.accept_keywords/zz-autounmask", """
            # required by @selected
            =dev-lang/rust-1.75.0 ~amd64
            >=sys-kernel/gentoo-sources-6.6.13-r1 ~amd64 ~x86  # newer kernels

            """)
        try write("package.accept_keywords/dev/editors", "app-editors/neovim **\n")
        try write("package.accept_keywords/.hidden", "app-misc/hidden ~amd64\n")
        try write("package.accept_keywords/zz-autounmask~", "app-misc/backup ~amd64\n")
        // The same atom again: the first line read gives its keywords.
        try write("package.keywords", "=dev-lang/rust-1.75.0 ~arm64\nmedia-video/ffmpeg:0/58\n")
        try write("package.mask", ">=dev-lang/python-3.13.0_alpha1\n=dev-lang/rust-1.75.0\n<sys-apps/systemd-254\n")
        try write("package.unmask/python", ">=dev-lang/python-3.13.0_alpha1\nx11-libs/libfoo-2.0-r3/\n")
        let table = PortageKeywordsTable(config: PortageConfig(directory: dir.path))
        let rows = try table.generate(QueryContext(schema: table.schema)).all().map { r in
            [r["package"]!.string, r["version"]!.string, r["keyword"]!.string, String(r["mask"]!.int), String(r["unmask"]!.int)]
        }
        #expect(rows == [
            ["app-editors/neovim", "", "**", "0", "0"],
            ["dev-lang/rust", "1.75.0", "~amd64", "1", "0"],
            ["sys-kernel/gentoo-sources", ">=6.6.13-r1", "~amd64 ~x86", "0", "0"],
            ["media-video/ffmpeg:0/58", "", "", "0", "0"],
            ["dev-lang/python", ">=3.13.0_alpha1", "", "1", "1"],
            ["sys-apps/systemd", "<254", "", "1", "0"],
            ["x11-libs/libfoo", "2.0-r3", "", "0", "1"],
        ])
        // No /etc/portage at all: no rows.
        let none = PortageKeywordsTable(config: PortageConfig(directory: dir.appendingPathComponent("absent").path))
        #expect(try none.generate(QueryContext(schema: none.schema)).all().isEmpty)
    }

    /// Not Gentoo here: the tables exist and are empty.
    @Test func hostHasNoPortage() throws {
        guard !FileManager.default.fileExists(atPath: "/var/db/pkg") else { return }
        #expect(try query("SELECT * FROM portage_packages").isEmpty)
        #expect(try query("SELECT * FROM portage_use").isEmpty)
        if !FileManager.default.fileExists(atPath: "/etc/portage") { #expect(try query("SELECT * FROM portage_keywords").isEmpty) }
    }
}
