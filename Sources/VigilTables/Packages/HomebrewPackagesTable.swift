import Glibc
import VigilSQL
import VigilSystem

/// `homebrew_packages`: formulae (PREFIX/Cellar/NAME/VERSION) and casks
/// (PREFIX/Caskroom/NAME/VERSION) installed by Homebrew; on Linux its prefix is
/// /home/linuxbrew/.linuxbrew unless `prefix =` names others. One row per installed
/// version. A cask's auto_updates and app name come from the cask file Homebrew
/// keeps in NAME/.metadata, read only when the query uses them.
public struct HomebrewPackagesTable: VirtualTable {
    public let schema = TableSchema("homebrew_packages", "The installed homebrew package database.", [
        Column("name", .text, "Package name"),
        Column("path", .text, "Package install path"),
        Column("version", .text, "Current 'linked' version").collated(.version),
        Column("type", .text, "Package type ('formula' or 'cask')"),
        Column("auto_updates", .integer, "1 if the cask auto-updates otherwise 0"),
        Column("app_name", .text, "Name of the installed App (for Casks)"),
        Column("prefix", .text, "Homebrew install prefix", [.hidden, .additional]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let caskMetadata = context.isUsed("auto_updates") || context.isUsed("app_name")
        var rows: [Row] = []
        for prefix in context.texts("prefix") ?? ["/home/linuxbrew/.linuxbrew"] {
            for (folder, type) in [("Cellar", "formula"), ("Caskroom", "cask")] {
                // Paths as Homebrew resolves them: Cellar is often a link.
                guard let root = Self.resolved(prefix + "/" + folder) else { continue }
                for name in ((try? FileSystem.list(root)) ?? []).sorted() where Self.isDirectory(root + "/" + name) {
                    let path = root + "/" + name
                    let cask = type == "cask" && caskMetadata ? HomebrewCaskFile(caskFolder: path) : nil
                    for version in ((try? FileSystem.list(path)) ?? []).sorted()
                    where version != ".metadata" && Self.isDirectory(path + "/" + version) {
                        var row = Row(schema)
                        row["name"] = .text(name)
                        row["path"] = .text(path)
                        row["version"] = .text(version)
                        row["type"] = .text(type)
                        if type == "cask", caskMetadata {
                            row["auto_updates"] = SQLValue(cask?.autoUpdates ?? false)
                            row["app_name"] = .text(cask?.appName ?? "")
                        }
                        row["prefix"] = .text(prefix)
                        rows.append(row)
                    }
                }
            }
        }
        return RowSequence(rows)
    }

    static func isDirectory(_ path: String) -> Bool {
        ((try? FileSystem.status(path))?.st_mode ?? 0) & S_IFMT == S_IFDIR
    }

    static func resolved(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}

/// The cask file Homebrew saves when it installs a cask:
/// NAME/.metadata/VERSION/TIMESTAMP/Casks/NAME.json (or NAME.rb, older installs).
struct HomebrewCaskFile {
    var autoUpdates = false
    var appName = ""

    init?(caskFolder: String) {
        let name = String(caskFolder.split(separator: "/").last ?? "")
        guard let file = Self.find(caskFolder + "/.metadata", names: [name + ".json", name + ".rb"], depth: 0),
              let text = FileSystem.readTextIfPresent(file) else { return nil }
        if file.hasSuffix(".json") {
            let json = JSONValue.parse(Array(text.utf8))
            autoUpdates = json?["auto_updates"]?.bool ?? false
            // artifacts: [{"app": ["Name.app"]}, {"zap": …}, …]
            appName = json?["artifacts"]?.array?.lazy.compactMap { $0["app"]?.array?.first?.string }.first ?? ""
        } else {
            for line in FileSystem.lines(text) {
                let words = line.trimmingCharacters()
                if words.split(whereSeparator: { $0 == " " || $0 == "\t" }) == ["auto_updates", "true"] { autoUpdates = true }
                if appName.isEmpty, words.hasPrefix("app "), words.hasSuffix(".app\"") {
                    let quoted = words.dropFirst(4).trimmingCharacters()
                    if quoted.hasPrefix("\"") { appName = String(quoted.dropFirst().dropLast()) }
                }
            }
        }
    }

    /// The first file named one of `names` under `folder`, depth first in name order.
    static func find(_ folder: String, names: [String], depth: Int) -> String? {
        guard depth < 8, let entries = try? FileSystem.list(folder) else { return nil }
        for entry in entries.sorted() {
            let path = folder + "/" + entry
            if names.contains(entry), !HomebrewPackagesTable.isDirectory(path) { return path }
            if HomebrewPackagesTable.isDirectory(path), let found = find(path, names: names, depth: depth + 1) { return found }
        }
        return nil
    }
}
