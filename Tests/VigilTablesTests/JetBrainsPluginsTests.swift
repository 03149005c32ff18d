import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// jetbrains_plugins against plugins the test builds with zip under root's home:
/// a folder plugin (lib/ with the plugin's jar and a versioned library jar without
/// a plugin.xml) in IntelliJIdea2024.3, and a single-jar plugin in PyCharmCE2024.1.
/// What each plugin.xml says is read back by Python (zipfile, xml.etree).
@Suite(.ownThread, .serialized, .requiresRoot) struct JetBrainsPluginsTests {
    static let reader = """
    import sys, zipfile, xml.etree.ElementTree as ET
    root = ET.fromstring(zipfile.ZipFile(sys.argv[1]).read('META-INF/plugin.xml'))
    print('|'.join((root.findtext(t) or '').strip() for t in ('name', 'version', 'vendor')))
    """

    /// A jar at `path` holding `files` (archive name → text).
    func jar(_ path: String, _ files: [String: String]) throws {
        let staging = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: staging) }
        for (name, text) in files {
            let file = staging.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["zip", "-q", "-r", path] + files.keys.sorted()
        p.currentDirectoryURL = staging
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
    }

    @Test func pluginsOfRoot() throws {
        try requireRoot()
        let home = try shell(["getent", "passwd", "root"]).split(separator: ":")[5].description
        let base = home + "/.local/share/JetBrains"
        let hadBase = FileManager.default.fileExists(atPath: base)
        let idea = base + "/IntelliJIdea2024.3", pycharm = base + "/PyCharmCE2024.1"
        defer {
            for dir in [idea, pycharm] { try? FileManager.default.removeItem(atPath: dir) }
            if !hadBase { try? FileManager.default.removeItem(atPath: base) }
        }
        try jar(idea + "/vigil-folder-plugin/lib/vigil-folder-plugin.jar", ["META-INF/plugin.xml": """
            <idea-plugin>
              <id>io.vigil.folder</id>
              <name>Vigil Folder Plugin</name>
              <version>2.1.0</version>
              <vendor url="https://example.org" email="a@example.org">
                Vigil &amp; Friends
              </vendor>
              <depends>com.intellij.modules.platform</depends>
            </idea-plugin>
            """])
        try jar(idea + "/vigil-folder-plugin/lib/gson-2.8.0.jar", ["com/google/gson/Gson.class": "not a class"])
        try jar(pycharm + "/vigil-single.jar", ["META-INF/plugin.xml": "<idea-plugin><name>Vigil Single</name><version>0.3</version><vendor>vigil</vendor></idea-plugin>"])

        let rows = try query("SELECT * FROM jetbrains_plugins WHERE uid = 0 ORDER BY path")
            .filter { $0["path"]?.string.contains("/vigil-") == true }
        try #require(rows.count == 2)
        let folder = rows.first { $0["path"]?.string == idea + "/vigil-folder-plugin" }
        let single = rows.first { $0["path"]?.string == pycharm + "/vigil-single.jar" }
        for (row, type, jarPath) in [(folder, "IntelliJIdea", idea + "/vigil-folder-plugin/lib/vigil-folder-plugin.jar"),
                                     (single, "PyCharmCommunityEdition", pycharm + "/vigil-single.jar")] {
            let r = try #require(row)
            let truth = try shell(["python3", "-c", Self.reader, jarPath]).trimmingCharacters(in: .whitespacesAndNewlines)
                .split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(r["product_type"]?.string == type)
            #expect(r["uid"]?.int == 0)
            #expect([r["name"]!.string, r["version"]!.string, r["vendor"]!.string] == truth)
        }
        #expect(folder?["vendor"]?.string == "Vigil & Friends")
        #expect(try query("SELECT * FROM jetbrains_plugins WHERE uid = 4294967294").isEmpty)
    }
}
