import VigilSQL
import VigilSystem

/// `opera_extensions`: extensions installed in Opera (~/.config/opera/Extensions)
/// of every user.
public struct OperaExtensionsTable: VirtualTable {
    public let schema = TableSchema("opera_extensions", "Extensions installed in Opera under each home (~/.config/opera/Extensions).", [
        Column("uid", .bigint, "Account whose home holds the extension; uid = X reads only that home", .additional),
        Column("name", .text, "Extension name (localized from the default locale)"),
        Column("identifier", .text, "Extension identifier (its folder name); identifier = X reads only that folder", .index),
        Column("version", .text, "Version from the manifest"),
        Column("description", .text, "Description from the manifest"),
        Column("locale", .text, "Default locale from the manifest"),
        Column("update_url", .text, "Update URL from the manifest"),
        Column("author", .text, "Author from the manifest"),
        Column("persistent", .integer, "1 if the background page is persistent, else 0"),
        Column("path", .text, "Folder of this version of the extension"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let found = try ChromiumExtensions.find(context, browsers: ChromiumExtensions.opera, profiles: false,
                                                 identifiers: context.texts("identifier"))
        return RowSequence(found) { e in
            var row = Row(schema)
            ChromiumExtensions.fill(&row, e)
            row["locale"] = .text(e.manifest["default_locale"]?.string ?? "")
            return row
        }
    }
}
