import VigilSQL
import VigilSystem

/// `portage_use`: the USE flags each installed Gentoo package was built with
/// (its USE file in /var/db/pkg), one row per flag.
public struct PortageUseTable: VirtualTable {
    public let schema = TableSchema("portage_use", "USE flags each installed Portage package was built with (none on other distributions).", [
        Column("package", .text, "Category and name (sys-devel/gcc)"),
        Column("version", .text, "Installed version"),
        Column("use", .text, "One enabled USE flag"),
    ])
    let database: PortageDatabase

    public init() { self.init(database: .host) }
    init(database: PortageDatabase) { self.database = database }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let flags = database.packages().lazy.flatMap { p in
            p.fact("USE").split(whereSeparator: { $0 == " " || $0 == "\n" }).map { (p, String($0)) }
        }
        return RowSequence(flags) { p, flag in
            var row = Row(schema)
            row["package"] = .text(p.name)
            row["version"] = .text(p.version)
            row["use"] = .text(flag)
            return row
        }
    }
}
