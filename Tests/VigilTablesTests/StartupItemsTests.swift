import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// startup_items against the XDG autostart entries read by Python's configparser:
/// the system's in /etc/xdg/autostart, and one the test writes for root (disabled).
@Suite(.ownThread, .serialized, .requiresRoot) struct StartupItemsTests {
    @Test func autostartEntriesMatchConfigparser() throws {
        try requireRoot()
        let dir = "/root/.config/autostart"
        let created = !FileManager.default.fileExists(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = "\(dir)/vigil-test-\(UInt32.random(in: 0..<1_000_000)).desktop"
        try "[Desktop Entry]\nType=Application\nName=Vigil Test\nExec=/usr/bin/vigil-test --flag value\nX-GNOME-Autostart-enabled=false\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(atPath: file)
            if created { try? FileManager.default.removeItem(atPath: dir) }
        }

        let script = """
        import configparser, glob, sys
        for d, user in [('/etc/xdg/autostart', ''), (sys.argv[1], 'root')]:
            for f in sorted(glob.glob(d + '/*.desktop')):
                c = configparser.RawConfigParser(strict=False); c.optionxform = str; c.read(f)
                e = c['Desktop Entry']
                exec_ = e.get('Exec', '').strip().split(' ', 1)
                off = e.get('Hidden') == 'true' or e.get('X-GNOME-Autostart-enabled') == 'false'
                print('|'.join([e.get('Name', ''), exec_[0], exec_[1].strip() if len(exec_) > 1 else '', d, 'disabled' if off else 'enabled', user]))
        """
        let expected = Set(try shell(["python3", "-c", script, dir]).split(separator: "\n").map(String.init))
        try #require(expected.contains("Vigil Test|/usr/bin/vigil-test|--flag value|\(dir)|disabled|root"), "\(expected)")

        let rows = try query("SELECT * FROM startup_items WHERE source IN ('/etc/xdg/autostart', '\(dir)')")
        #expect(Set(rows.map { r in
            ["name", "path", "args", "source", "status", "username"].map { r[$0]!.string }.joined(separator: "|")
        }) == expected)
        #expect(rows.allSatisfy { $0["type"]?.string == "Startup Item" })
    }
}
