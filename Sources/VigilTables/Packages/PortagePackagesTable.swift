import VigilSQL
import VigilSystem

/// `portage_packages`: packages installed by Gentoo's Portage (/var/db/pkg).
public struct PortagePackagesTable: VirtualTable {
    public let schema = TableSchema("portage_packages", "Packages installed by Gentoo's Portage, from /var/db/pkg (none on other distributions).", [
        Column("package", .text, "Category and name (sys-devel/gcc)"),
        Column("version", .text, "Installed version (12.2.1_p20230121-r1)"),
        Column("slot", .text, "Slot the package is installed in"),
        Column("build_time", .bigint, "UNIX time the package was built"),
        Column("repository", .text, "Repository the ebuild came from (gentoo)"),
        Column("eapi", .bigint, "EAPI of the ebuild"),
        Column("size", .bigint, "Installed size in bytes"),
        Column("world", .integer, "1 if the package is in the world set (/var/lib/portage/world), else 0"),
    ])
    let database: PortageDatabase

    public init() { self.init(database: .host) }
    init(database: PortageDatabase) { self.database = database }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let world = context.isUsed("world") ? database.world() : []
        return RowSequence(database.packages()) { p in
            var row = Row(schema)
            row["package"] = .text(p.name)
            row["version"] = .text(p.version)
            row["slot"] = .text(p.fact("SLOT"))
            row["build_time"] = SQLValue(Int64(p.fact("BUILD_TIME")))
            row["repository"] = .text(p.fact("repository"))
            row["eapi"] = SQLValue(Int64(p.fact("EAPI")))
            row["size"] = SQLValue(Int64(p.fact("SIZE")))
            row["world"] = SQLValue(world.contains(p.name))
            return row
        }
    }
}
