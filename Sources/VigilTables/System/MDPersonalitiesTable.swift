import VigilSQL
import VigilSystem

/// `md_personalities`: the RAID levels the kernel's md driver has loaded, from the
/// "Personalities :" line of /proc/mdstat.
public struct MDPersonalitiesTable: VirtualTable {
    public let schema = TableSchema("md_personalities", "Software RAID setting supported by the kernel.", [
        Column("name", .text, "Name of personality supported by kernel"),
    ])
    let source: MDSource

    public init() { source = MDSource() }
    init(source: MDSource) { self.source = source }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(try source.stat(table: schema.name).personalities.map { name in
            var row = Row(schema)
            row["name"] = .text(name)
            return row
        })
    }
}
