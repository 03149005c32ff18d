import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// snapd's layout, written by the test (no snapd on the test machines): each snap a
/// folder of revisions under the mount root with a `current` link, and its state.
@Suite(.ownThread) struct SnapPackagesTests {
    static func fixture() throws -> (dir: URL, table: SnapPackagesTable) {
        let dir = try temporaryDirectory()
        let root = dir.appendingPathComponent("snap")
        func snap(_ folder: String, _ revision: String, current: Bool, _ yaml: String) throws {
            let meta = root.appendingPathComponent("\(folder)/\(revision)/meta")
            try FileManager.default.createDirectory(at: meta, withIntermediateDirectories: true)
            try yaml.write(to: meta.appendingPathComponent("snap.yaml"), atomically: true, encoding: .utf8)
            if current {
                try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("\(folder)/current").path, withDestinationPath: revision)
            }
        }
        try snap("core22", "1380", current: true, """
            name: core22
            version: '20240111'
            summary: Runtime environment based on Ubuntu 22.04
            description: |-
              The base snap based on the Ubuntu 22.04 release.
              Second line.
            architectures:
            - amd64
            type: base
            grade: stable
            confinement: strict

            """)
        // snapd's defaults: type app, confinement strict, grade stable; 1.10 stays "1.10".
        try snap("hello", "42", current: true, """
            name: hello
            version: 1.10
            summary: GNU Hello
            base: core22
            license: GPL-3.0+
            architectures: [amd64, arm64]
            apps:
              hello:
                command: bin/hello

            """)
        // An older revision beside the current one is not read.
        try snap("hello", "41", current: false, "name: hello\nversion: '1.9'\n")
        // A parallel install (instance key "beta") of the same snap.
        try snap("hello_beta", "43", current: true, "name: hello\nversion: '1.11'\nconfinement: devmode\ngrade: devel\n")
        // Disabled: snapd removed its current link; state.json still names the revision.
        try snap("firefox", "4000", current: false, """
            name: firefox
            version: 130.0-2
            confinement: strict
            architectures:
            - build-on: [amd64]
              run-on: [amd64, arm64]

            """)
        // Not snaps: the command links, and a folder without metadata.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("bin/hello").path, withDestinationPath: "/usr/bin/snap")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("broken/7"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("broken/current").path, withDestinationPath: "7")
        let state = dir.appendingPathComponent("state.json")
        try """
            {"data": {"snaps": {
              "core22": {"type": "base", "active": true, "current": "1380", "channel": "latest/stable",
                         "sequence": [{"name": "core22", "snap-id": "amcUKQILKXHHTlmSa7NMdnXSx02dNeeT", "revision": "1380"}]},
              "hello": {"type": "app", "active": true, "current": "42", "channel": "latest/edge",
                        "sequence": [{"name": "hello", "snap-id": "old-id", "revision": "41"},
                                     {"name": "hello", "snap-id": "buPKUD3TKqCOgLEjjHx5kSiCpIs5cMuQ", "revision": "42"}]},
              "firefox": {"type": "app", "current": "4000", "channel": "latest/beta", "snap-id": "3wdHCAVyZEmYsCMFDE9qt92UV8rC8Wdk",
                          "sequence": [{"name": "firefox", "revision": "4000"}]}
            }}, "changes": {}}
            """.write(to: state, atomically: true, encoding: .utf8)
        return (dir, SnapPackagesTable(mountRoots: [dir.appendingPathComponent("absent").path, root.path], statePath: state.path))
    }

    @Test func readsEachSnapsCurrentRevision() throws {
        let (dir, table) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Database(tables: [table])
        let rows = try db.query("SELECT * FROM snap_packages ORDER BY revision")
        #expect(rows.map { $0["name"]!.string } == ["core22", "firefox", "hello", "hello"])
        #expect(rows.map { $0["revision"]!.string } == ["1380", "4000", "42", "43"])
        #expect(rows.map { $0["version"]!.string } == ["20240111", "130.0-2", "1.10", "1.11"])
        #expect(rows.map { $0["type"]!.string } == ["base", "app", "app", "app"])
        #expect(rows.map { $0["confinement"]!.string } == ["strict", "strict", "strict", "devmode"])
        #expect(rows.map { $0["grade"]!.string } == ["stable", "stable", "stable", "devel"])
        #expect(rows.map { $0["architectures"]!.string } == ["amd64", "amd64,arm64", "amd64,arm64", ""])
        #expect(rows.map { $0["channel"]!.string } == ["latest/stable", "latest/beta", "latest/edge", ""])
        #expect(rows.map { $0["snap_id"]!.string } == ["amcUKQILKXHHTlmSa7NMdnXSx02dNeeT", "3wdHCAVyZEmYsCMFDE9qt92UV8rC8Wdk", "buPKUD3TKqCOgLEjjHx5kSiCpIs5cMuQ", ""])
        #expect(rows[0]["description"]?.string == "The base snap based on the Ubuntu 22.04 release.\nSecond line.")
        #expect(rows[0]["summary"]?.string == "Runtime environment based on Ubuntu 22.04")
        #expect(rows[2]["base"]?.string == "core22")
        #expect(rows[2]["license"]?.string == "GPL-3.0+")
    }

    /// `name =` reads the named snap's folder and its parallel installs only.
    @Test func nameReadsOnlyThatSnap() throws {
        let (dir, table) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Database(tables: [table])
        #expect(try db.query("SELECT revision FROM snap_packages WHERE name = 'hello' ORDER BY 1").map { $0["revision"]!.string } == ["42", "43"])
        #expect(try db.query("SELECT revision FROM snap_packages WHERE name IN ('core22', 'absent')").map { $0["revision"]!.string } == ["1380"])
        #expect(try db.query("SELECT count(*) AS n FROM snap_packages WHERE name = 'bin'").first?["n"]?.int == 0)
        // Without snapd's state, the columns it alone gives are empty and the rest is read.
        try FileManager.default.removeItem(at: URL(fileURLWithPath: table.statePath))
        let rows = try db.query("SELECT name, revision, channel FROM snap_packages ORDER BY revision")
        #expect(rows.map { $0["revision"]!.string } == ["1380", "42", "43"])
        #expect(rows.allSatisfy { $0["channel"]?.string == "" })
    }

    /// A host without snapd (these test machines): no rows, no error.
    @Test func hostWithoutSnapdHasNoRows() throws {
        guard !FileManager.default.fileExists(atPath: "/snap"), !FileManager.default.fileExists(atPath: "/var/lib/snapd/snap") else { return }
        #expect(try query("SELECT * FROM snap_packages").isEmpty)
    }
}
