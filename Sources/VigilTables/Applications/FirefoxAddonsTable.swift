import VigilSQL
import VigilSystem

/// `firefox_addons`: the add-ons Firefox recorded in each profile's extensions.json,
/// for every profile that ~/.mozilla/firefox/profiles.ini names, of every user.
public struct FirefoxAddonsTable: VirtualTable {
    public let schema = TableSchema("firefox_addons", "Add-ons in each Firefox profile's extensions.json under each home.", [
        Column("uid", .bigint, "Account whose home holds the profile; uid = X reads only that home", .additional),
        Column("name", .text, "Add-on name"),
        Column("identifier", .text, "Add-on ID", .index),
        Column("creator", .text, "Creator named by the add-on"),
        Column("type", .text, "extension, theme, locale, dictionary, ..."),
        Column("version", .text, "Add-on version").collated(.version),
        Column("description", .text, "Add-on description"),
        Column("source_url", .text, "URL the add-on was installed from"),
        Column("visible", .integer, "1 if the add-on is shown in the browser, else 0"),
        Column("active", .integer, "1 if the add-on is active, else 0"),
        Column("disabled", .integer, "1 if the add-on is disabled by the user or the application, else 0"),
        Column("autoupdate", .integer, "1 if the add-on updates in the background, else 0"),
        Column("native", .integer, "1 if the add-on has binary components (strictCompatibility set), else 0"),
        Column("location", .text, "Install location (app-profile, app-system-defaults, ...)"),
        Column("path", .text, "Path of the add-on's package or folder"),
    ])

    public init() {}

    /// Firefox's folders under a home: the classic one and the snap package's.
    static let folders = [".mozilla/firefox", "snap/firefox/common/.mozilla/firefox"]

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        // One extensions.json holds a profile's add-ons: identifier = X saves only the rows.
        let identifiers = context.texts("identifier")
        for account in try UserHomes.accounts(context) {
            let home = account.home.hasSuffix("/") ? String(account.home.dropLast()) : account.home
            func read(_ relative: String) -> [UInt8]? {
                try? HomeFile.read(home: home, name: relative, uid: account.uid, gid: account.gid, limit: 32 << 20)
            }
            for folder in Self.folders {
                guard let ini = read(folder + "/profiles.ini") else { continue }
                for profile in Self.profilePaths(String(decoding: ini, as: UTF8.self)) {
                    // An absolute profile path lies outside the home; read it relative to it only when it is inside.
                    let relative: String
                    if profile.relative { relative = folder + "/" + profile.path }
                    else if profile.path.hasPrefix(home + "/") { relative = String(profile.path.dropFirst(home.count + 1)) }
                    else { continue }
                    guard let bytes = read(relative + "/extensions.json"), let doc = JSONValue.parse(bytes) else { continue }
                    for addon in doc["addons"]?.array ?? [] where identifiers?.contains(addon["id"]?.string ?? "") ?? true {
                        rows.append(row(addon, uid: account.uid))
                    }
                }
            }
        }
        return RowSequence(rows)
    }

    func row(_ a: JSONValue, uid: UInt32) -> Row {
        let locale = a["defaultLocale"]
        func flag(_ key: String) -> SQLValue { SQLValue(a[key]?.bool ?? false) }
        var row = Row(schema)
        row["uid"] = SQLValue(uid)
        row["name"] = .text(locale?["name"]?.string ?? "")
        row["identifier"] = .text(a["id"]?.string ?? "")
        row["creator"] = .text(locale?["creator"]?.string ?? "")
        row["type"] = .text(a["type"]?.string ?? "")
        row["version"] = .text(a["version"]?.string ?? "")
        row["description"] = .text(locale?["description"]?.string ?? "")
        row["source_url"] = .text(a["sourceURI"]?.string ?? "")
        row["visible"] = flag("visible")
        row["active"] = flag("active")
        row["disabled"] = SQLValue((a["userDisabled"]?.bool ?? false) || (a["appDisabled"]?.bool ?? false))
        row["autoupdate"] = SQLValue((a["applyBackgroundUpdates"]?.number ?? 0) != 0)
        row["native"] = flag("strictCompatibility")
        row["location"] = .text(a["location"]?.string ?? "")
        row["path"] = .text(a["path"]?.string ?? "")
        return row
    }

    /// The Path= of each [Profile*] section, and whether it is relative to the folder.
    static func profilePaths(_ ini: String) -> [(path: String, relative: Bool)] {
        var out: [(path: String, relative: Bool)] = []
        var inProfile = false, path: String?, relative = true
        func flush() { if inProfile, let path { out.append((path, relative)) } }
        for line in FileSystem.lines(ini) {
            let l = line.trimmingCharacters()
            if l.hasPrefix("[") {
                flush()
                inProfile = l.hasPrefix("[Profile")
                path = nil
                relative = true
            } else if l.hasPrefix("Path=") {
                path = String(l.dropFirst(5))
            } else if l.hasPrefix("IsRelative=") {
                relative = l.dropFirst(11) != "0"
            }
        }
        flush()
        return out
    }
}
