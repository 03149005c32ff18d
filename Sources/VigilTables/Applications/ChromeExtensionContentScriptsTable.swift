import VigilSQL

/// `chrome_extension_content_scripts`: the content scripts of each Chromium-family
/// extension (the same profiles `chrome_extensions` reads): one row per script and
/// URL pattern of each `content_scripts` entry of its manifest. `uid =` selects
/// the accounts whose homes are read.
public struct ChromeExtensionContentScriptsTable: VirtualTable {
    public let schema = TableSchema("chrome_extension_content_scripts", "Chrome browser extension content scripts.", [
        Column("browser_type", .text, "The browser type (Valid values: chrome, chromium, opera, yandex, brave)"),
        Column("uid", .bigint, "The local user that owns the extension", .index),
        Column("identifier", .text, "Extension identifier"),
        Column("version", .text, "Extension-supplied version"),
        Column("script", .text, "The content script used by the extension"),
        Column("match", .text, "The pattern that the script is matched against"),
        Column("profile_path", .text, "The profile path"),
        Column("path", .text, "Path to extension folder"),
        Column("referenced", .bigint, "1 if this extension is referenced by the Preferences file of the profile"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let found = try ChromiumExtensions.find(context, browsers: ChromiumExtensions.chromeFamily, profiles: true)
        var rows: [Row] = []
        for e in found {
            for entry in e.manifest["content_scripts"]?.array ?? [] {
                let scripts = entry["js"]?.array?.compactMap(\.string) ?? []
                let matches = entry["matches"]?.array?.compactMap(\.string) ?? []
                for script in scripts {
                    for match in matches {
                        var row = Row(schema)
                        row["browser_type"] = .text(e.browser)
                        row["uid"] = SQLValue(e.uid)
                        row["identifier"] = .text(e.identifier)
                        row["version"] = .text(e.manifest["version"]?.string ?? "")
                        row["script"] = .text(script)
                        row["match"] = .text(match)
                        row["profile_path"] = .text(e.profilePath)
                        row["path"] = .text(e.path)
                        row["referenced"] = SQLValue(e.settings != nil)
                        rows.append(row)
                    }
                }
            }
        }
        return RowSequence(rows)
    }
}
