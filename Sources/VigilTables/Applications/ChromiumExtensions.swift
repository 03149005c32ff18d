import VigilSQL
import VigilSystem

/// Extensions installed in the Chromium-family browsers' profiles under each
/// user's home: PROFILE/Extensions/ID/VERSION/manifest.json, with the profile's
/// Preferences (and Secure Preferences) for each extension's state and install
/// time. Files are read as their user (`HomeFile`).
struct ChromiumExtensions {
    /// A browser's name (osquery's browser_type) and its configuration folder under the home.
    struct Browser { let name: String; let folder: String }

    static let chromeFamily = [
        Browser(name: "chrome", folder: ".config/google-chrome"),
        Browser(name: "chrome_beta", folder: ".config/google-chrome-beta"),
        Browser(name: "chrome_dev", folder: ".config/google-chrome-unstable"),
        Browser(name: "chromium", folder: ".config/chromium"),
        Browser(name: "brave", folder: ".config/BraveSoftware/Brave-Browser"),
        Browser(name: "edge", folder: ".config/microsoft-edge"),
        Browser(name: "edge_beta", folder: ".config/microsoft-edge-beta"),
        Browser(name: "vivaldi", folder: ".config/vivaldi"),
        Browser(name: "yandex", folder: ".config/yandex-browser"),
    ]
    static let opera = [Browser(name: "opera", folder: ".config/opera")]

    struct Found {
        let uid: UInt32
        let browser: String
        let profileName: String
        let profilePath: String
        let identifier: String
        let path: String
        let manifest: JSONValue
        let manifestBytes: [UInt8]
        /// extensions.settings.ID from the profile's preferences, when it has one.
        let settings: JSONValue?
        let messages: JSONValue?
    }

    static let limit = 8 << 20

    /// Every extension of `browsers` in the homes of the accounts the query selects.
    /// `identifiers` (a pushed `identifier =`) skips the other extension folders unread.
    static func find(_ context: QueryContext, browsers: [Browser], profiles: Bool, identifiers: [String]? = nil) throws -> [Found] {
        var out: [Found] = []
        for account in try UserHomes.accounts(context) {
            let home = account.home.hasSuffix("/") ? String(account.home.dropLast()) : account.home
            func read(_ relative: String) -> [UInt8]? {
                try? HomeFile.read(home: home, name: relative, uid: account.uid, gid: account.gid, limit: limit)
            }
            for browser in browsers {
                let base = browser.folder
                guard FileSystem.exists(home + "/" + base) else { continue }
                // Opera keeps one profile in its folder; the others keep Default, Profile 1, ...
                let profileDirs: [String] = profiles
                    ? ((try? FileSystem.list(home + "/" + base)) ?? []).filter { FileSystem.exists(home + "/" + base + "/" + $0 + "/Extensions") }.sorted()
                    : [""]
                for profile in profileDirs {
                    let profileRel = profile.isEmpty ? base : base + "/" + profile
                    let prefs = read(profileRel + "/Preferences").flatMap(JSONValue.parse)
                    let secure = read(profileRel + "/Secure Preferences").flatMap(JSONValue.parse)
                    let name = prefs?.at("profile", "name")?.string ?? profile
                    for id in ((try? FileSystem.list(home + "/" + profileRel + "/Extensions")) ?? []).sorted()
                    where identifiers?.contains(id) ?? true {
                        let idRel = profileRel + "/Extensions/" + id
                        for version in ((try? FileSystem.list(home + "/" + idRel)) ?? []).sorted() {
                            let dirRel = idRel + "/" + version
                            guard let bytes = read(dirRel + "/manifest.json"), let manifest = JSONValue.parse(bytes) else { continue }
                            let locale = manifest["default_locale"]?.string
                            let messages = locale.flatMap { read(dirRel + "/_locales/" + $0 + "/messages.json") }.flatMap(JSONValue.parse)
                            out.append(Found(uid: account.uid, browser: browser.name, profileName: name,
                                             profilePath: home + "/" + profileRel, identifier: id, path: home + "/" + dirRel,
                                             manifest: manifest, manifestBytes: bytes,
                                             settings: secure?.at("extensions", "settings", id) ?? prefs?.at("extensions", "settings", id),
                                             messages: messages))
                        }
                    }
                }
            }
        }
        return out
    }

    /// A manifest string with "__MSG_name__" replaced from the default locale's messages.
    static func localized(_ value: String?, _ messages: JSONValue?) -> String {
        guard let value else { return "" }
        guard value.hasPrefix("__MSG_"), value.hasSuffix("__"), value.count > 8 else { return value }
        let key = String(value.dropFirst(6).dropLast(2))
        guard case .object(let all)? = messages else { return value }
        // Message names are case-insensitive.
        let hit = all.first { $0.key.lowercased() == key.lowercased() }?.value
        return hit?["message"]?.string ?? value
    }

    /// The columns the Chromium tables share, filled from one extension.
    static func fill(_ row: inout Row, _ e: Found) {
        let m = e.manifest
        row["uid"] = SQLValue(e.uid)
        row["name"] = .text(localized(m["name"]?.string, e.messages))
        row["identifier"] = .text(e.identifier)
        row["version"] = .text(m["version"]?.string ?? "")
        row["description"] = .text(localized(m["description"]?.string, e.messages))
        row["update_url"] = .text(m["update_url"]?.string ?? "")
        row["author"] = .text(m["author"]?.string ?? m.at("author", "email")?.string ?? "")
        row["persistent"] = SQLValue(m.at("background", "persistent")?.bool ?? false)
        row["path"] = .text(e.path)
    }
}
