import VigilSQL
import VigilSystem

/// `chrome_search_engines`: the default search engine of each profile of the
/// Chromium-family browsers under each home, as Chrome keeps it in the profile's
/// Preferences (or Secure Preferences, where it is MAC-protected):
/// default_search_provider_data.template_url_data's short_name, keyword and url.
/// A profile that records none (it uses the built-in default) has no row. Files are
/// read as their user (`HomeFile`); `uid = X` reads only that home.
public struct ChromeSearchEnginesTable: VirtualTable {
    public let schema = TableSchema("chrome_search_engines", "The configured default search engine for Chrome-based browser profiles.", [
        Column("browser_type", .text, "The browser type (Valid values: chrome, chrome_beta, chrome_dev, chrome_canary, chromium, opera, yandex, brave, brave_beta, brave_nightly, edge, edge_beta, edge_dev, edge_canary, vivaldi, arc, dia, comet)"),
        Column("uid", .bigint, "The local user that owns the profile", .index),
        Column("profile", .text, "The name of the Chrome profile"),
        Column("profile_path", .text, "The profile path"),
        Column("name", .text, "The display name of the default search engine"),
        Column("keyword", .text, "The keyword used to trigger this search engine from the address bar"),
        Column("url", .text, "The URL template used by this search engine"),
    ])

    /// Opera keeps its one profile in its folder; snap's Chromium keeps its own folder.
    static let browsers = ChromiumExtensions.chromeFamily + ChromiumExtensions.opera
        + [ChromiumExtensions.Browser(name: "chromium", folder: "snap/chromium/common/chromium")]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for account in try UserHomes.accounts(context) {
            let home = account.home.hasSuffix("/") ? String(account.home.dropLast()) : account.home
            func read(_ relative: String) -> JSONValue? {
                (try? HomeFile.read(home: home, name: relative, uid: account.uid, gid: account.gid, limit: ChromiumExtensions.limit)).flatMap(JSONValue.parse)
            }
            for browser in Self.browsers where FileSystem.exists(home + "/" + browser.folder) {
                let folders = [""] + ((try? FileSystem.list(home + "/" + browser.folder)) ?? []).sorted()
                for folder in folders {
                    let relative = folder.isEmpty ? browser.folder : browser.folder + "/" + folder
                    guard FileSystem.exists(home + "/" + relative + "/Preferences") || FileSystem.exists(home + "/" + relative + "/Secure Preferences") else { continue }
                    let prefs = read(relative + "/Preferences")
                    guard let engine = prefs?.at("default_search_provider_data", "template_url_data")
                            ?? read(relative + "/Secure Preferences")?.at("default_search_provider_data", "template_url_data"),
                          engine["short_name"] != nil || engine["keyword"] != nil || engine["url"] != nil else { continue }
                    var row = Row(schema)
                    row["browser_type"] = .text(browser.name)
                    row["uid"] = .integer(Int64(account.uid))
                    row["profile"] = .text(prefs?.at("profile", "name")?.string ?? (folder.isEmpty ? String(browser.folder.split(separator: "/").last ?? "") : folder))
                    row["profile_path"] = .text(home + "/" + relative)
                    row["name"] = .text(engine["short_name"]?.string ?? "")
                    row["keyword"] = .text(engine["keyword"]?.string ?? "")
                    row["url"] = .text(engine["url"]?.string ?? "")
                    rows.append(row)
                }
            }
        }
        return RowSequence(rows)
    }
}
