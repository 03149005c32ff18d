import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// Profiles of the test's own under root's home: a Chromium profile with an
/// extension (localized name, permissions, preferences), an Opera extension and a
/// Firefox profile with extensions.json. Only folders the test creates are removed.
@Suite(.ownThread, .serialized, .requiresRoot) struct BrowserExtensionsTests {
    let fm = FileManager.default

    /// Create `path` (and missing parents), remembering the topmost folder created.
    func makeDirectory(_ path: String, created: inout [String]) throws {
        var missing: [String] = []
        var p = path
        while !fm.fileExists(atPath: p) { missing.append(p); p = (p as NSString).deletingLastPathComponent }
        if let top = missing.last { created.append(top) }
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @Test func chromiumExtensionInAProfile() throws {
        try requireRoot()
        var created: [String] = []
        defer { for c in created.reversed() { try? fm.removeItem(atPath: c) } }
        let profileName = "Vigil Test \(UUID().uuidString.prefix(8))"
        let profile = "/root/.config/chromium/" + profileName
        let id = "abcdefghijklmnopabcdefghijklmnop"
        let ext = profile + "/Extensions/\(id)/1.2.3_0"
        try makeDirectory(ext + "/_locales/en", created: &created)
        if !created.contains(where: { profile.hasPrefix($0) }) { created.append(profile) }
        let manifest = """
            {"manifest_version": 3, "name": "__MSG_appName__", "version": "1.2.3", "default_locale": "en",
             "description": "Plain description", "permissions": ["tabs", "storage"], "optional_permissions": ["cookies"],
             "update_url": "https://clients2.google.com/service/update2/crx", "author": "Vigil",
             "content_scripts": [{"matches": ["https://*.example.com/*", "https://example.org/*"], "js": ["a.js", "b.js"]},
                                 {"matches": ["<all_urls>"], "css": ["only.css"]}]}
            """
        try manifest.write(toFile: ext + "/manifest.json", atomically: true, encoding: .utf8)
        try #"{"appName": {"message": "Vigil Test Extension"}}"#.write(toFile: ext + "/_locales/en/messages.json", atomically: true, encoding: .utf8)
        try #"{"profile": {"name": "Work"}, "extensions": {"settings": {"\#(id)": {"state": 1, "from_webstore": true, "install_time": "13350000000000000"}}}}"#
            .write(toFile: profile + "/Preferences", atomically: true, encoding: .utf8)

        let rows = try query("SELECT * FROM chrome_extensions WHERE uid = 0").filter { $0["profile_path"]?.string == profile }
        try #require(rows.count == 1)
        let r = rows[0]
        #expect(r["browser_type"]?.string == "chromium")
        #expect(r["name"]?.string == "Vigil Test Extension")
        #expect(r["profile"]?.string == "Work")
        #expect(r["identifier"]?.string == id)
        #expect(r["version"]?.string == "1.2.3")
        #expect(r["permissions"]?.string == "tabs, storage")
        // Hidden in osquery: named, not in SELECT *.
        #expect(r["permissions_json"] == nil)
        let hidden = try query("SELECT permissions_json, locale, default_locale FROM chrome_extensions WHERE uid = 0 AND profile_path = '\(profile)'")
        #expect(hidden.first?["permissions_json"]?.string == #"["tabs","storage"]"#)
        #expect(hidden.first?["locale"]?.string == "en" && hidden.first?["default_locale"]?.string == "en")
        #expect(r["optional_permissions"]?.string == "cookies")
        #expect(r["path"]?.string == ext)
        #expect(r["state"]?.string == "1")
        #expect(r["from_webstore"]?.string == "true")
        #expect(r["referenced"]?.int == 1)
        // 13350000000000000 µs after 1601-01-01 is 1705526400 s after 1970-01-01.
        #expect(r["install_timestamp"]?.int == 1_705_526_400)
        #expect(r["manifest_hash"]?.string == String(try shell(["sha256sum", ext + "/manifest.json"]).prefix(64)))
        // Content scripts: each script with each pattern of an entry; an entry with no js has none.
        let scripts = try query("SELECT * FROM chrome_extension_content_scripts WHERE uid = 0 AND identifier = '\(id)' ORDER BY script, match")
            .filter { $0["profile_path"]?.string == profile }
        #expect(scripts.map { "\($0["script"]!.string) \($0["match"]!.string)" }
                == ["a.js https://*.example.com/*", "a.js https://example.org/*", "b.js https://*.example.com/*", "b.js https://example.org/*"])
        #expect(scripts.allSatisfy { $0["version"]?.string == "1.2.3" && $0["path"]?.string == ext && $0["referenced"]?.int == 1
                                     && $0["browser_type"]?.string == "chromium" })
        // The pack's query joins on uid.
        #expect(try query("SELECT chrome_extensions.* FROM users JOIN chrome_extensions USING (uid) WHERE identifier = '\(id)'").count >= 1)
    }

    @Test func operaExtension() throws {
        try requireRoot()
        var created: [String] = []
        defer { for c in created.reversed() { try? fm.removeItem(atPath: c) } }
        let id = "vigiltest\(UUID().uuidString.prefix(8).lowercased())"
        let ext = "/root/.config/opera/Extensions/\(id)/0.9_0"
        try makeDirectory(ext, created: &created)
        if !created.contains(where: { ext.hasPrefix($0) }) { created.append("/root/.config/opera/Extensions/\(id)") }
        try #"{"name": "Opera Thing", "version": "0.9", "background": {"persistent": true}}"#.write(toFile: ext + "/manifest.json", atomically: true, encoding: .utf8)
        let rows = try query("SELECT * FROM opera_extensions WHERE uid = 0 AND identifier = '\(id)'")
        try #require(rows.count == 1)
        #expect(rows[0]["name"]?.string == "Opera Thing")
        #expect(rows[0]["persistent"]?.int == 1)
        // identifier = is pushed down (osquery's index): no other extension folder is read.
        let recorder = try ScanRecorder("opera_extensions")
        #expect(try recorder.query("SELECT name FROM opera_extensions WHERE identifier = '\(id)'").count == 1)
        #expect(recorder.scans.flatMap(\.rows).map { $0["identifier"]?.text } == [id])
    }

    @Test func firefoxAddonsFromExtensionsJSON() throws {
        try requireRoot()
        let base = "/root/.mozilla/firefox"
        // A real profile set of root's is left alone: the test needs its own profiles.ini.
        guard !fm.fileExists(atPath: base + "/profiles.ini") else { return }
        var created: [String] = []
        defer { for c in created.reversed() { try? fm.removeItem(atPath: c) } }
        try makeDirectory(base + "/vigil.default", created: &created)
        created.append(base + "/profiles.ini")
        try "[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default\nIsRelative=1\nPath=vigil.default\n"
            .write(toFile: base + "/profiles.ini", atomically: true, encoding: .utf8)
        let json = """
            {"schemaVersion": 35, "addons": [
              {"id": "uBlock0@raymondhill.net", "version": "1.55.0", "type": "extension", "visible": true, "active": true,
               "userDisabled": false, "appDisabled": false, "applyBackgroundUpdates": 1, "location": "app-profile",
               "path": "/root/.mozilla/firefox/vigil.default/extensions/uBlock0@raymondhill.net.xpi",
               "sourceURI": "https://addons.mozilla.org/firefox/downloads/file/1/ublock.xpi",
               "defaultLocale": {"name": "uBlock Origin", "description": "Finally, an efficient blocker.", "creator": "Raymond Hill"}},
              {"id": "off@example", "version": "1", "type": "theme", "visible": false, "active": false, "userDisabled": true,
               "applyBackgroundUpdates": 0, "location": "app-profile", "defaultLocale": {"name": "Off"}}
            ]}
            """
        try json.write(toFile: base + "/vigil.default/extensions.json", atomically: true, encoding: .utf8)
        let rows = try query("SELECT * FROM firefox_addons WHERE uid = 0")
        try #require(rows.count == 2)
        #expect(rows[0]["name"]?.string == "uBlock Origin")
        #expect(rows[0]["identifier"]?.string == "uBlock0@raymondhill.net")
        #expect(rows[0]["creator"]?.string == "Raymond Hill")
        #expect(rows[0]["active"]?.int == 1)
        #expect(rows[0]["autoupdate"]?.int == 1)
        #expect(rows[0]["disabled"]?.int == 0)
        #expect(rows[1]["disabled"]?.int == 1)
        #expect(rows[1]["type"]?.string == "theme")
        #expect(try query("SELECT identifier FROM firefox_addons WHERE uid = 0 AND identifier = 'off@example'")
            .map { $0["identifier"]?.string } == ["off@example"])
        #expect(try query("SELECT firefox_addons.* FROM users JOIN firefox_addons USING (uid)").count >= 2)
    }
}
