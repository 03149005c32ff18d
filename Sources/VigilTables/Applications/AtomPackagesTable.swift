import VigilSQL
import VigilSystem

/// `atom_packages`: the packages installed in each account's Atom editor
/// (~/.atom/packages/NAME/package.json), read as that account. `uid =` reads those
/// accounts only.
public struct AtomPackagesTable: VirtualTable {
    public let schema = TableSchema("atom_packages", "Lists all atom packages in a directory or globally installed in a system.", [
        Column("name", .text, "Package display name"),
        Column("version", .text, "Package supplied version"),
        Column("description", .text, "Package supplied description"),
        Column("path", .text, "Package's package.json path"),
        Column("license", .text, "License for package"),
        Column("homepage", .text, "Package supplied homepage"),
        Column("uid", .bigint, "The local user that owns the plugin", .index),
    ])
    static let packages = ".atom/packages"

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        for account in try UserHomes.accounts(context) {
            let home = account.home.hasSuffix("/") ? String(account.home.dropLast()) : account.home
            for name in ((try? FileSystem.list(home + "/" + Self.packages)) ?? []).sorted() where !name.hasPrefix(".") {
                let relative = Self.packages + "/" + name + "/package.json"
                guard let bytes = try? HomeFile.read(home: home, name: relative, uid: account.uid, gid: account.gid, limit: 4 << 20),
                      let manifest = JSONValue.parse(bytes), case .object = manifest else { continue }
                var row = Row(schema)
                row["name"] = .text(manifest["name"]?.string ?? "")
                row["version"] = .text(manifest["version"]?.string ?? "")
                row["description"] = .text(manifest["description"]?.string ?? "")
                row["path"] = .text(home + "/" + relative)
                // "license": "MIT", or the older {"type": "MIT"}.
                row["license"] = .text(manifest["license"]?.string ?? manifest.at("license", "type")?.string ?? "")
                row["homepage"] = .text(manifest["homepage"]?.string ?? "")
                row["uid"] = .integer(Int64(account.uid))
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
