import VigilSQL

/// `lxd_storage_pools`: LXD's storage pools (`GET /1.0/storage-pools`), with their
/// space and inodes (`/1.0/storage-pools/NAME/resources`, read only when one of those
/// columns is used). `size` is the pool's configured size as LXD writes it ("30GiB").
public struct LXDStoragePoolsTable: VirtualTable {
    public let schema = TableSchema("lxd_storage_pools", "LXD storage pool information.", [
        Column("name", .text, "Name of the storage pool"),
        Column("driver", .text, "Storage driver"),
        Column("source", .text, "Storage pool source"),
        Column("size", .text, "Size of the storage pool"),
        Column("space_used", .bigint, "Storage space used in bytes"),
        Column("space_total", .bigint, "Total available storage space in bytes for this storage pool"),
        Column("inodes_used", .bigint, "Number of inodes used"),
        Column("inodes_total", .bigint, "Total number of inodes available in this storage pool"),
    ])
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let readResources = context.isAnyUsed("space_used", "space_total", "inodes_used", "inodes_total")
        return RowSequence(try api.list("/1.0/storage-pools", table: schema.name)) { pool in
            guard let name = pool["name"]?.string else { return nil }
            var row = Row(schema)
            row["name"] = .text(name)
            row["driver"] = LXDAPI.text(pool["driver"])
            row["source"] = .text(pool.at("config", "source")?.string ?? "")
            row["size"] = .text(pool.at("config", "size")?.string ?? "")
            if readResources, let resources = try api.metadata(LXDAPI.path("storage-pools", name) + "/resources", table: schema.name, ofOne: true) {
                for kind in ["space", "inodes"] {
                    row[kind + "_used"] = LXDAPI.integer(resources.at(kind, "used"))
                    row[kind + "_total"] = LXDAPI.integer(resources.at(kind, "total"))
                }
            }
            return row
        }
    }
}
