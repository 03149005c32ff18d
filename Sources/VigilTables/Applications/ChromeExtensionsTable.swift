import VigilSQL
import VigilSystem

/// `chrome_extensions`: extensions installed in the Chromium-family browsers (Chrome,
/// Chromium, Brave, Edge, Vivaldi, Yandex) in every profile of every user.
public struct ChromeExtensionsTable: VirtualTable {
    public let schema = TableSchema("chrome_extensions", "Extensions in the profiles of Chrome, Chromium, Brave, Edge, Vivaldi and Yandex under each home.", [
        Column("browser_type", .text, "Browser: chrome, chromium, brave, edge, vivaldi, ..."),
        Column("uid", .bigint, "Account whose home holds the profile; uid = X reads only that home", .index),
        Column("name", .text, "Extension name (localized from the default locale)"),
        Column("profile", .text, "Profile name from its Preferences, else its folder name"),
        Column("profile_path", .text, "Profile folder"),
        Column("referenced_identifier", .text, "Identifier as the profile's preferences name it; empty when they do not"),
        Column("identifier", .text, "Extension identifier (its folder name)"),
        Column("version", .text, "Version from the manifest"),
        Column("description", .text, "Description from the manifest (localized)"),
        Column("default_locale", .text, "Default locale from the manifest"),
        Column("current_locale", .text, "Locale the name was read in (the default locale)"),
        Column("update_url", .text, "Update URL from the manifest"),
        Column("author", .text, "Author from the manifest"),
        Column("persistent", .integer, "1 if the background page is persistent, else 0"),
        Column("path", .text, "Folder of this version of the extension"),
        Column("permissions", .text, "Permissions from the manifest, joined by \", \""),
        Column("permissions_json", .text, "Permissions from the manifest as JSON", .hidden),
        Column("optional_permissions", .text, "Optional permissions, joined by \", \""),
        Column("optional_permissions_json", .text, "Optional permissions as JSON", .hidden),
        Column("manifest_hash", .text, "SHA-256 of manifest.json"),
        Column("referenced", .bigint, "1 if the profile's preferences list the extension, else 0"),
        Column("from_webstore", .text, "'true' or 'false' from the preferences; empty when unknown"),
        Column("state", .text, "'1' enabled, '0' disabled, from the preferences; empty when unknown"),
        Column("install_time", .text, "Install time as Chrome stores it (microseconds since 1601)"),
        Column("install_timestamp", .bigint, "Install time as UNIX seconds"),
        Column("manifest_json", .text, "The whole manifest as JSON", .hidden),
        Column("key", .text, "Public key from the manifest (base64)", .hidden),
        .alias("locale", of: "default_locale", .text),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let found = try ChromiumExtensions.find(context, browsers: ChromiumExtensions.chromeFamily, profiles: true)
        return RowSequence(found) { e in
            var row = Row(schema)
            ChromiumExtensions.fill(&row, e)
            let m = e.manifest
            row["browser_type"] = .text(e.browser)
            row["profile"] = .text(e.profileName)
            row["profile_path"] = .text(e.profilePath)
            row["default_locale"] = .text(m["default_locale"]?.string ?? "")
            row["current_locale"] = .text(m["default_locale"]?.string ?? "")
            row["referenced_identifier"] = .text(e.settings == nil ? "" : e.identifier)
            row["permissions"] = .text(m["permissions"]?.listText ?? "")
            row["permissions_json"] = .text(m["permissions"]?.json ?? "")
            row["optional_permissions"] = .text(m["optional_permissions"]?.listText ?? "")
            row["optional_permissions_json"] = .text(m["optional_permissions"]?.json ?? "")
            row["manifest_hash"] = .text(Digest.hex(Digest.bytes(of: e.manifestBytes, .sha256)))
            row["referenced"] = SQLValue(e.settings != nil)
            row["from_webstore"] = .text(e.settings?["from_webstore"]?.bool.map { $0 ? "true" : "false" } ?? "")
            row["state"] = .text(e.settings?["state"]?.number.map { String(Int64($0)) } ?? "")
            let installTime = e.settings?["install_time"]?.string ?? e.settings?["first_install_time"]?.string
            row["install_time"] = .text(installTime ?? "")
            // Microseconds since 1601-01-01 (Windows FILETIME epoch) → UNIX seconds.
            row["install_timestamp"] = SQLValue(installTime.flatMap { Int64($0) }.map { $0 / 1_000_000 - 11_644_473_600 })
            row["manifest_json"] = .text(m.json)
            row["key"] = .text(m["key"]?.string ?? "")
            return row
        }
    }
}
