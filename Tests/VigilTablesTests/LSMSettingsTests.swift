import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// selinux_settings and apparmor_profiles. The test machines' kernel has SELinux built
/// in but not enabled (no selinuxfs) and no AppArmor, so each table is read from a
/// fixture tree laid out as selinuxfs and securityfs are, and on the host must agree
/// with what is mounted.
@Suite(.ownThread) struct LSMSettingsTests {
    func write(_ files: [String: String], under dir: URL) throws {
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    func rows(_ table: some VirtualTable, _ constraints: [String: [SQLValue]] = [:]) throws -> [[String: SQLValue]] {
        try table.generate(QueryContext(schema: table.schema, constraints: constraints)).all()
    }

    @Test func selinuxFixture() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // selinuxfs writes values without a newline; initial contexts end with a NUL.
        try write([
            "enforce": "1", "mls": "1", "policyvers": "33", "checkreqprot": "0", "deny_unknown": "0",
            "booleans/httpd_can_network_connect": "0 0", "booleans/ssh_sysadm_login": "1 1", "booleans/pending_change": "0 1",
            "policy_capabilities/network_peer_controls": "1",
            "initial_contexts/kernel": "system_u:system_r:kernel_t:s0\0",
            "class/file/index": "7", "class/file/perms/read": "2", "class/file/perms/write": "3", "class/dir/perms/search": "5",
        ], under: dir)
        let table = SELinuxSettingsTable(root: dir.path)
        let all = try rows(table).map { [$0["scope"]!.string, $0["key"]!.string, $0["value"]!.text ?? "NULL"] }
        #expect(all == [
            ["", "checkreqprot", "0"], ["", "deny_unknown", "0"], ["", "enforce", "1"], ["", "mls", "1"], ["", "policyvers", "33"],
            ["", "reject_unknown", "NULL"],
            ["booleans", "httpd_can_network_connect", "off"], ["booleans", "ssh_sysadm_login", "on"],
            ["policy_capabilities", "network_peer_controls", "1"],
            ["initial_contexts", "kernel", "system_u:system_r:kernel_t:s0"],
            ["class", "dir/perms", "search"], ["class", "file/perms", "read"], ["class", "file/perms", "write"],
        ])
        // scope and key are pushed down.
        #expect(try rows(table, ["key": [.text("enforce")]]).map { $0["value"]!.string } == ["1"])
        #expect(try rows(table, ["scope": [.text("booleans")]]).count == 2)
    }

    /// On the host: rows exactly when a selinuxfs is mounted, and then its enforce file.
    @Test func selinuxHost() throws {
        let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ") }
        let rows = try query("SELECT value FROM selinux_settings WHERE scope = '' AND key = 'enforce'")
        if let fs = mounts.first(where: { $0.count > 2 && $0[2] == "selinuxfs" }) {
            #expect(rows.map { $0["value"]!.string } == [try String(contentsOfFile: "\(fs[1])/enforce", encoding: .utf8)])
        } else {
            #expect(rows.isEmpty)
        }
    }

    @Test func apparmorFixture() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try write([
            "profiles/usr.bin.man.3/name": "/usr/bin/man\n", "profiles/usr.bin.man.3/mode": "enforce\n",
            "profiles/usr.bin.man.3/attach": "/usr/bin/man\n", "profiles/usr.bin.man.3/sha1": "ab12\n",
            "profiles/usr.bin.man.3/profiles/man_groff.4/name": "man_groff\n", "profiles/usr.bin.man.3/profiles/man_groff.4/mode": "complain\n",
            "profiles/usr.bin.man.3/profiles/man_groff.4/attach": "<unconfined>\n", "profiles/usr.bin.man.3/profiles/man_groff.4/sha256": "cd34\n",
            "profiles/lsb_release.1/name": "lsb_release\n", "profiles/lsb_release.1/mode": "enforce\n",
            "profiles/lsb_release.1/attach": "/usr/bin/lsb_release\n",
        ], under: dir)
        let table = AppArmorProfilesTable(profiles: dir.appendingPathComponent("profiles").path)
        let all = try rows(table).map { r in ["path", "name", "mode", "attach", "sha1", "sha256"].map { r[$0]!.text ?? "NULL" } }
        #expect(all == [
            ["lsb_release", "lsb_release", "enforce", "/usr/bin/lsb_release", "NULL", "NULL"],
            ["/usr/bin/man", "/usr/bin/man", "enforce", "/usr/bin/man", "ab12", "NULL"],
            ["/usr/bin/man//man_groff", "man_groff", "complain", "<unconfined>", "NULL", "cd34"],
        ])
        #expect(try rows(table, ["path": [.text("/usr/bin/man//man_groff")]]).map { $0["mode"]!.string } == ["complain"])
    }

    /// On the host: as many rows as securityfs shows profile directories (none without AppArmor).
    @Test func apparmorHost() throws {
        let top = "/sys/kernel/security/apparmor/policy/profiles"
        let expected = (try? FileManager.default.contentsOfDirectory(atPath: top))?.count ?? 0
        let rows = try query("SELECT path FROM apparmor_profiles")
        #expect(rows.filter { !$0["path"]!.string.contains("//") }.count == expected)
    }
}
