import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// Profiles of the test's own under root's home, in Chrome's layout: the default
/// search engine a user picked is kept in Preferences (and, MAC-protected, in Secure
/// Preferences). Only folders the test creates are removed.
@Suite(.ownThread, .serialized, .requiresRoot) struct ChromeSearchEnginesTests {
    let fm = FileManager.default

    func write(_ path: String, _ text: String, created: inout [String]) throws {
        var missing: [String] = []
        var p = (path as NSString).deletingLastPathComponent
        while !fm.fileExists(atPath: p) { missing.append(p); p = (p as NSString).deletingLastPathComponent }
        if let top = missing.last { created.append(top) }
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func defaultEnginePerProfile() throws {
        try requireRoot()
        var created: [String] = []
        defer { for c in created.reversed() { try? fm.removeItem(atPath: c) } }
        let tag = UUID().uuidString.prefix(8)
        let chromium = "/root/.config/chromium/Vigil Search \(tag)"
        let secureOnly = "/root/.config/chromium/Vigil Secure \(tag)"
        let none = "/root/.config/chromium/Vigil None \(tag)"
        for p in [chromium, secureOnly, none] where !fm.fileExists(atPath: p) { created.append(p) }
        try write(chromium + "/Preferences", """
            {"profile": {"name": "Work"},
             "default_search_provider_data": {"template_url_data": {"short_name": "DuckDuckGo", "keyword": "duckduckgo.com",
               "url": "https://duckduckgo.com/?q={searchTerms}", "prepopulate_id": 92, "is_active": 1}}}
            """, created: &created)
        try write(secureOnly + "/Preferences", #"{"profile": {"name": "Home"}}"#, created: &created)
        try write(secureOnly + "/Secure Preferences", """
            {"default_search_provider_data": {"template_url_data": {"short_name": "Example", "keyword": "ex", "url": "https://search.example/?q={searchTerms}"}},
             "protection": {"macs": {}}}
            """, created: &created)
        try write(none + "/Preferences", #"{"profile": {"name": "Plain"}}"#, created: &created)

        let rows = try query("SELECT * FROM chrome_search_engines WHERE uid = 0").filter { $0["profile_path"]!.string.contains(String(tag)) }
            .sorted { $0["profile"]!.string > $1["profile"]!.string }
        #expect(rows.map { $0["profile"]!.string } == ["Work", "Home"])
        #expect(rows.allSatisfy { $0["browser_type"]?.string == "chromium" && $0["uid"]?.int == 0 })
        #expect(rows.map { $0["name"]!.string } == ["DuckDuckGo", "Example"])
        #expect(rows.map { $0["keyword"]!.string } == ["duckduckgo.com", "ex"])
        #expect(rows.map { $0["url"]!.string } == ["https://duckduckgo.com/?q={searchTerms}", "https://search.example/?q={searchTerms}"])
        #expect(rows.map { $0["profile_path"]!.string } == [chromium, secureOnly])
        // Another account's home is not read for uid = 0's rows, and an unknown uid has none.
        #expect(try query("SELECT * FROM chrome_search_engines WHERE uid = 4294967294").isEmpty)
    }

    /// Opera keeps its one profile in its configuration folder itself.
    @Test func operaProfile() throws {
        try requireRoot()
        guard !fm.fileExists(atPath: "/root/.config/opera") else { return }
        var created: [String] = ["/root/.config/opera"]
        defer { for c in created.reversed() { try? fm.removeItem(atPath: c) } }
        try write("/root/.config/opera/Preferences", """
            {"default_search_provider_data": {"template_url_data": {"short_name": "Google", "keyword": "google.com", "url": "{google:baseURL}search?q={searchTerms}"}}}
            """, created: &created)
        let rows = try query("SELECT browser_type, profile, name, keyword FROM chrome_search_engines WHERE uid = 0 AND browser_type = 'opera'")
        #expect(rows.map { "\($0["browser_type"]!.string) \($0["profile"]!.string) \($0["name"]!.string) \($0["keyword"]!.string)" } == ["opera opera Google google.com"])
    }
}
