import Foundation
import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// yum_sources on a root folder the test builds (no yum on the test machines),
/// compared with Python's configparser reading the same files.
@Suite(.ownThread) struct YumSourcesTests {
    @Test func repoFilesMatchConfigparser() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let repos = root.appendingPathComponent("etc/yum.repos.d")
        try FileManager.default.createDirectory(at: repos, withIntermediateDirectories: true)
        try "[main]\ngpgcheck=1\n".write(to: root.appendingPathComponent("etc/yum.conf"), atomically: true, encoding: .utf8)
        try """
        # Rocky
        [baseos]
        name=Rocky Linux $releasever - BaseOS
        mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever
        #baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/
        gpgcheck=1
        enabled=1
        gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9

        [extras]
        name = Extras
        baseurl = http://example.com/extras/
        enabled = 0
        """.write(to: repos.appendingPathComponent("rocky.repo"), atomically: true, encoding: .utf8)
        try "[ignored]\nname=not a repo file\n".write(to: repos.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let script = """
        import configparser, glob, sys
        for f in sorted(glob.glob(sys.argv[1] + '/*.repo')):
            c = configparser.RawConfigParser(); c.read(f)
            for s in c.sections():
                print('|'.join(c.get(s, k, fallback='<null>') for k in ['name', 'baseurl', 'mirrorlist', 'enabled', 'gpgcheck', 'gpgkey']))
        """
        let expected = try shell(["python3", "-c", script, repos.path]).split(separator: "\n").map(String.init)
        try #require(expected.count == 2, "configparser read \(expected)")

        let db = try Database(tables: [YumSourcesTable(root: root.path)])
        let rows = try db.query("SELECT * FROM yum_sources")
        let seen = rows.map { r in
            ["name", "baseurl", "mirrorlist", "enabled", "gpgcheck", "gpgkey"].map { r[$0]?.text ?? "<null>" }.joined(separator: "|")
        }
        #expect(seen == expected)
    }

    /// This Debian host has no yum configuration: no rows, no error.
    @Test func noYumNoRows() throws {
        guard !FileManager.default.fileExists(atPath: "/etc/yum.repos.d") else { return }
        #expect(try query("SELECT * FROM yum_sources").isEmpty)
    }
}
