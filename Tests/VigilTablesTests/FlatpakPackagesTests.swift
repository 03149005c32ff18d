import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// A Flatpak installation in its layout, written by the test (no Flatpak on the test machines).
@Suite(.ownThread) struct FlatpakPackagesTests {
    static let appCommit = "3c1f9d2a7b6e5d4c3b2a19f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b"
    static let runtimeCommit = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"

    static func installation() throws -> URL {
        let base = try temporaryDirectory()
        func write(_ path: String, _ text: String) throws {
            let url = base.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        func activate(_ branch: String, _ deployment: String) throws {
            try FileManager.default.createSymbolicLink(atPath: base.appendingPathComponent(branch + "/active").path, withDestinationPath: deployment)
        }
        let app = "app/org.gnome.TextEditor/x86_64/stable/"
        try write(app + appCommit + "/metadata", """
            [Application]
            name=org.gnome.TextEditor
            runtime=org.gnome.Platform/x86_64/46
            sdk=org.gnome.Sdk/x86_64/46

            [Context]
            shared=ipc;
            """)
        try write(app + appCommit + "/files/share/metainfo/org.gnome.TextEditor.metainfo.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- Copyright 2021 -->
            <component type="desktop-application">
              <id>org.gnome.TextEditor</id>
              <name>Text Editor</name>
              <name xml:lang="de">Texteditor</name>
              <summary>Edit text files</summary>
              <summary xml:lang="de">Textdateien bearbeiten</summary>
              <project_license>GPL-3.0-or-later</project_license>
              <developer id="org.gnome"><name>The GNOME Project</name></developer>
              <url type="bugtracker">https://gitlab.gnome.org/issues</url>
              <url type="homepage">https://apps.gnome.org/TextEditor/</url>
              <description>
                <p>Text Editor is a simple
                   editor &amp; more.</p>
                <p xml:lang="de">Ein einfacher Editor.</p>
                <ul><li>Tabs</li><li>Themes</li></ul>
              </description>
              <releases>
                <release version="46.3" date="2024-06-28"/>
                <release version="46.0" date="2024-03-16"/>
              </releases>
            </component>
            """)
        try activate(app, appCommit)
        try write("repo/refs/remotes/flathub/" + app.dropLast(), appCommit + "\n")
        try write("repo/refs/remotes/gnome-nightly/" + app.dropLast(), String(repeating: "0", count: 64) + "\n")
        let runtime = "runtime/org.gnome.Platform/x86_64/46/"
        try write(runtime + runtimeCommit + "/metadata", "[Runtime]\nname=org.gnome.Platform\nruntime=org.gnome.Platform/x86_64/46\n")
        try write(runtime + runtimeCommit + "/files/share/appdata/org.gnome.Platform.appdata.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <application><id>org.gnome.Platform</id><name>GNOME Application Platform</name>
            <developer_name>GNOME &#x26; friends</developer_name></application>
            """)
        try activate(runtime, runtimeCommit)
        // A locale extension deploys the checksum with "-LOCALE".
        let locale = "runtime/org.gnome.Platform.Locale/x86_64/46/"
        try write(locale + runtimeCommit + "-de/metadata", "[Runtime]\nname=org.gnome.Platform.Locale\n")
        try activate(locale, runtimeCommit + "-de")
        // Downloaded but never deployed: no active link.
        try write("app/org.example.Half/x86_64/stable/" + appCommit + "/metadata", "[Application]\nname=org.example.Half\n")
        return base
    }

    @Test func deploymentsWithTheirMetadata() throws {
        let base = try Self.installation()
        defer { try? FileManager.default.removeItem(at: base) }
        let db = try Database(tables: [FlatpakPackagesTable(systemBase: base.path)])
        let rows = try db.query("SELECT * FROM flatpak_packages WHERE installation = 'system' ORDER BY app_id")
        #expect(rows.map { $0["app_id"]!.string } == ["org.gnome.Platform", "org.gnome.Platform.Locale", "org.gnome.TextEditor"])
        let editor = rows[2], platform = rows[0], locale = rows[1]
        #expect(editor["name"]?.string == "Text Editor")
        #expect(editor["summary"]?.string == "Edit text files")
        #expect(editor["version"]?.string == "46.3")
        #expect(editor["license"]?.string == "GPL-3.0-or-later")
        #expect(editor["developer_name"]?.string == "The GNOME Project")
        #expect(editor["homepage"]?.string == "https://apps.gnome.org/TextEditor/")
        #expect(editor["description"]?.string == "Text Editor is a simple editor & more. Tabs Themes")
        #expect(editor["runtime"]?.string == "org.gnome.Platform/x86_64/46")
        #expect(editor["origin"]?.string == "flathub")
        #expect(editor["type"]?.string == "app" && editor["arch"]?.string == "x86_64" && editor["branch"]?.string == "stable")
        #expect(editor["commit_hash"]?.string == Self.appCommit)
        #expect(platform["name"]?.string == "GNOME Application Platform")
        #expect(platform["developer_name"]?.string == "GNOME & friends")
        #expect(platform["type"]?.string == "runtime" && platform["origin"]?.string == "")
        #expect(locale["commit_hash"]?.string == Self.runtimeCommit && locale["name"]?.string == "")
        // app_id = reads only that package's folders.
        #expect(try db.query("SELECT commit_hash FROM flatpak_packages WHERE app_id = 'org.gnome.TextEditor' AND installation = 'system'").map { $0["commit_hash"]!.string } == [Self.appCommit])
        #expect(try db.query("SELECT * FROM flatpak_packages WHERE app_id = 'org.example.Half' AND installation = 'system'").isEmpty)
    }

    @Test func xmlReader() {
        let root = XMLElement.parse("<?xml version='1.0'?><a x='1 &lt; 2'><![CDATA[<raw>]]><b>t&#233;xt</b></a>")
        #expect(root?.attributes["x"] == "1 < 2")
        #expect(root?.text == "<raw>")
        #expect(root?.child("b")?.plainText == "téxt")
        #expect(XMLElement.parse("<a x=1></a>") == nil)
        #expect(XMLElement.parse("<a>unterminated") == nil)
    }

    /// A per-user installation (~/.local/share/flatpak, here root's), read through HomeFile.
    @Test func userInstallation() throws {
        try requireRoot()
        let user = "/root/.local/share/flatpak"
        guard !FileManager.default.fileExists(atPath: user) else { return }
        let created = FileManager.default.fileExists(atPath: "/root/.local/share") ? user : FileManager.default.fileExists(atPath: "/root/.local") ? "/root/.local/share" : "/root/.local"
        let base = try Self.installation()
        defer { try? FileManager.default.removeItem(atPath: created); try? FileManager.default.removeItem(at: base) }
        try FileManager.default.createDirectory(atPath: "/root/.local/share", withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: base, to: URL(fileURLWithPath: user))
        let rows = try query("SELECT app_id, installation, name, origin FROM flatpak_packages WHERE installation = 'user' AND app_id = 'org.gnome.TextEditor'")
        #expect(rows.map { "\($0["installation"]!.string) \($0["name"]!.string) \($0["origin"]!.string)" } == ["user Text Editor flathub"])
    }

    /// A host without Flatpak (these test machines): no system rows, no error.
    @Test func hostWithoutFlatpak() throws {
        guard !FileManager.default.fileExists(atPath: "/var/lib/flatpak") else { return }
        #expect(try query("SELECT * FROM flatpak_packages WHERE installation = 'system'").isEmpty)
    }
}
