import VigilSQL
import VigilSystem

/// `memory_info`: system memory totals from /proc/meminfo, in bytes.
public struct MemoryInfoTable: VirtualTable {
    public let schema = TableSchema("memory_info", "System-wide RAM and swap figures from /proc/meminfo, in bytes.", [
        Column("memory_total", .bigint, "MemTotal: RAM the kernel can use"),
        Column("memory_free", .bigint, "MemFree: RAM holding nothing at all"),
        Column("memory_available", .bigint, "MemAvailable: kernel estimate of RAM usable without swapping"),
        Column("buffers", .bigint, "Buffers: RAM caching raw block-device data"),
        Column("cached", .bigint, "Cached: page cache, swap cache excluded"),
        Column("swap_cached", .bigint, "SwapCached: pages in swap that also remain in RAM"),
        Column("active", .bigint, "Active: memory touched recently, reclaimed last"),
        Column("inactive", .bigint, "Inactive: memory not touched recently, reclaimed first"),
        Column("swap_total", .bigint, "SwapTotal: size of all swap areas"),
        Column("swap_free", .bigint, "SwapFree: swap space not in use"),
    ])

    static let keys = [
        ("memory_total", "MemTotal"), ("memory_free", "MemFree"), ("memory_available", "MemAvailable"),
        ("buffers", "Buffers"), ("cached", "Cached"), ("swap_cached", "SwapCached"), ("active", "Active"),
        ("inactive", "Inactive"), ("swap_total", "SwapTotal"), ("swap_free", "SwapFree"),
    ]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let info: [String: Int64]
        do { info = try MemInfo.read() } catch { throw TableError("memory_info: \(error)") }
        var row = Row(schema)
        for (column, key) in Self.keys { row[column] = SQLValue(info[key]) }
        return RowSequence([row])
    }
}
