import VigilSQL
import VigilSystem

/// `vscode_extensions`: extensions of VS Code and its relatives (VSCodium, Cursor,
/// Windsurf, code-server, …) from each account's `extensions/extensions.json`, the
/// list the editor itself keeps, read as that account. `uid =` reads those accounts only.
public struct VSCodeExtensionsTable: VirtualTable {
    public let schema = TableSchema("vscode_extensions", "Lists all vscode extensions.", [
        Column("name", .text, "Extension Name"),
        Column("uuid", .text, "Extension UUID"),
        Column("version", .text, "Extension version"),
        Column("path", .text, "Extension path"),
        Column("publisher", .text, "Publisher Name"),
        Column("publisher_id", .text, "Publisher ID"),
        Column("installed_at", .bigint, "Installed Timestamp"),
        Column("prerelease", .integer, "Pre release version"),
        Column("uid", .bigint, "The local user that owns the plugin", .additional),
        Column("vscode_edition", .text, "The VSCode edition (vscode, vscode_insiders, vscodium, vscodium_insiders, cursor, windsurf, trae, antigravity, code_server)"),
    ])

    /// Each edition's extension list, relative to the home folder.
    static let editions: [(file: String, edition: String)] = [
        (".vscode/extensions/extensions.json", "vscode"),
        (".vscode-insiders/extensions/extensions.json", "vscode_insiders"),
        (".vscode-oss/extensions/extensions.json", "vscodium"),
        (".vscodium-insiders/extensions/extensions.json", "vscodium_insiders"),
        (".cursor/extensions/extensions.json", "cursor"),
        (".windsurf/extensions/extensions.json", "windsurf"),
        (".trae/extensions/extensions.json", "trae"),
        (".antigravity/extensions/extensions.json", "antigravity"),
        (".local/share/code-server/extensions/extensions.json", "code_server"),
    ]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let found = try UserHomes.items(context, names: Self.editions.map(\.file), limit: 32 << 20) { text in
            JSONValue.parse(Array(text.utf8))?.array ?? []
        }
        return RowSequence(found) { uid, file, e in
            var row = Row(schema)
            row["name"] = .text(e.at("identifier", "id")?.string ?? "")
            row["uuid"] = .text(e.at("identifier", "uuid")?.string ?? "")
            row["version"] = .text(e["version"]?.string ?? "")
            row["path"] = .text(e.at("location", "path")?.string ?? e.at("location", "fsPath")?.string ?? e["relativeLocation"]?.string ?? "")
            row["publisher"] = .text(e.at("metadata", "publisherDisplayName")?.string ?? "")
            row["publisher_id"] = .text(e.at("metadata", "publisherId")?.string ?? "")
            row["installed_at"] = SQLValue(e.at("metadata", "installedTimestamp")?.number.map { Int64($0) })
            let prerelease = e.at("metadata", "isPreReleaseVersion")?.bool ?? e.at("metadata", "preRelease")?.bool ?? false
            row["prerelease"] = .integer(prerelease ? 1 : 0)
            row["uid"] = .integer(Int64(uid))
            row["vscode_edition"] = .text(Self.editions.first { file.hasSuffix("/" + $0.file) }?.edition ?? "")
            return row
        }
    }
}
