import VigilSQL
import VigilSystem

/// `jetbrains_plugins`: the plugins each account installed in JetBrains IDEs
/// (~/.local/share/JetBrains/PRODUCT<version>/), read as that account. A plugin is
/// a jar there, or a folder whose lib/ holds the jar with META-INF/plugin.xml (the
/// jars tried in IntelliJ's order, as osquery does); name, version and vendor come
/// from that plugin.xml, read out of the jar through libzip. A product folder is
/// its prefix followed by a digit (PyCharm2024.1, not PyCharmCE2024.1, which is
/// PyCharmCommunityEdition; osquery's pattern counts the latter twice).
public struct JetBrainsPluginsTable: VirtualTable {
    public let schema = TableSchema("jetbrains_plugins", "JetBrains IDEs plugins.", [
        Column("product_type", .text, "The product type (Valid values: CLion, DataGrip, GoLand, IntelliJIdea, IntelliJIdeaCommunityEdition, PhpStorm, PyCharm, PyCharmCommunityEdition, ReSharper, Rider, RubyMine, RustRover, WebStorm)"),
        Column("uid", .bigint, "The local user that owns the plugin", .index),
        Column("name", .text, "Name of the plugin (Title Case)"),
        Column("version", .text, "Version of the plugin"),
        Column("vendor", .text, "The vendor name or organization id that authored the plugin"),
        Column("path", .text, "The path on the filesystem for the plugin. This may be a folder or a jar filename"),
    ])
    static let root = ".local/share/JetBrains"
    /// Folder prefix → product type.
    static let products: [(prefix: String, type: String)] = [
        ("CLion", "CLion"), ("DataGrip", "DataGrip"), ("GoLand", "GoLand"), ("IntelliJIdea", "IntelliJIdea"),
        ("IdeaIC", "IntelliJIdeaCommunityEdition"), ("PhpStorm", "PhpStorm"), ("PyCharm", "PyCharm"),
        ("PyCharmCE", "PyCharmCommunityEdition"), ("ReSharper", "ReSharper"), ("Rider", "Rider"), ("RubyMine", "RubyMine"),
        ("RustRover", "RustRover"), ("WebStorm", "WebStorm"),
    ]
    static let maxDescriptor = 4 << 20

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for account in try UserHomes.accounts(context) {
            let home = account.home.hasSuffix("/") ? String(account.home.dropLast()) : account.home
            for folder in ((try? FileSystem.list(home + "/" + Self.root)) ?? []).sorted() {
                guard let product = Self.product(folder) else { continue }
                let productRel = Self.root + "/" + folder
                for entry in ((try? FileSystem.list(home + "/" + productRel)) ?? []).sorted() where !entry.hasPrefix(".") {
                    let rel = productRel + "/" + entry
                    let jars: [String]
                    if entry.hasSuffix(".jar") {
                        jars = [rel]
                    } else {
                        let lib = ((try? FileSystem.list(home + "/" + rel + "/lib")) ?? []).filter { $0.hasSuffix(".jar") }
                        jars = Self.likelyPluginJarsFirst(lib, pluginFolder: entry).map { rel + "/lib/" + $0 }
                    }
                    guard let plugin = try jars.lazy.compactMap({ jar in
                        try self.descriptor(home: home, jar: jar, account: account)
                    }).first else { continue }
                    var row = Row(schema)
                    row["product_type"] = .text(product)
                    row["uid"] = .integer(Int64(account.uid))
                    row["name"] = .text(plugin.name)
                    row["version"] = .text(plugin.version)
                    row["vendor"] = .text(plugin.vendor)
                    row["path"] = .text(home + "/" + rel)
                    rows.append(row)
                }
            }
        }
        return RowSequence(rows)
    }

    /// The product type of a folder: a known prefix, then a version (a digit).
    static func product(_ folder: String) -> String? {
        products.first { folder.hasPrefix($0.prefix) && folder.dropFirst($0.prefix.count).first?.isNumber == true }?.type
    }

    func descriptor(home: String, jar: String, account: PasswdEntry) throws -> PluginDescriptor? {
        do {
            return try ZipEntry.read(home: home, name: jar, entry: "META-INF/plugin.xml", uid: account.uid, gid: account.gid,
                                     limit: Self.maxDescriptor).map { PluginDescriptor(xml: String(decoding: $0, as: UTF8.self)) }
        } catch { throw TableError("jetbrains_plugins: \(error)") }
    }

    /// IntelliJ's order for finding the plugin's own jar among its libraries:
    /// resources*.jar last, then versioned names (name-1.2.jar), then names not
    /// starting with the folder's, then *-idea.jar, then database-plugin.jar; then shorter first.
    static func likelyPluginJarsFirst(_ jars: [String], pluginFolder: String) -> [String] {
        func versioned(_ name: String) -> Bool {
            guard let dash = name.lastIndex(of: "-") else { return false }
            let rest = name[name.index(after: dash)...]
            guard let c = rest.first else { return false }
            return c.isNumber || ((c == "m" || c == "M") && rest.dropFirst().first?.isNumber == true)
        }
        func key(_ name: String) -> [Int] {
            let lower = name.lowercased()
            return [lower.hasPrefix("resources") ? 1 : 0, versioned(name) ? 1 : 0, lower.hasPrefix(pluginFolder.lowercased()) ? 0 : 1,
                    lower.hasSuffix("-idea.jar") ? 1 : 0, name == "database-plugin.jar" ? 1 : 0, name.count]
        }
        return jars.sorted { key($0).lexicographicallyPrecedes(key($1)) || (key($0) == key($1) && $0 < $1) }
    }
}

/// The name, version and vendor of a plugin.xml: the text of the first element
/// of each name, entities decoded and blanks trimmed (`<vendor url="…">Name</vendor>`).
struct PluginDescriptor {
    let name: String, version: String, vendor: String

    init(xml: String) {
        name = Self.text(of: "name", in: xml)
        version = Self.text(of: "version", in: xml)
        vendor = Self.text(of: "vendor", in: xml)
    }

    static func text(of tag: String, in xml: String) -> String {
        var search = xml[...]
        while let open = search.firstRange(of: "<" + tag) {
            let after = search[open.upperBound...]
            // `<name>` or `<name attr…>`, not `<names>`; `<vendor/>` has no text.
            guard let next = after.first, next == ">" || next == " " || next == "\t" || next == "\n" || next == "\r",
                  let close = after.firstIndex(of: ">") else { search = after; continue }
            if close > after.startIndex, after[after.index(before: close)] == "/" { return "" }
            let body = after[after.index(after: close)...]
            guard let end = body.firstRange(of: "</" + tag + ">") else { return "" }
            return decode(String(body[..<end.lowerBound])).trimmingCharacters()
        }
        return ""
    }

    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&quot;", with: "\"")
            .replacing("&apos;", with: "'").replacing("&amp;", with: "&")
    }
}
