import VigilSQL
import VigilSystem

/// `memory_info`: system memory totals from /proc/meminfo, in bytes.
public struct MemoryInfoTable: VirtualTable {
    public let schema = TableSchema("memory_info", "System memory and swap totals in bytes.", [
        Column("memory_total", .bigint, "Usable RAM (MemTotal)"),
        Column("memory_free", .bigint, "Unused RAM (MemFree)"),
        Column("memory_available", .bigint, "RAM available for new work without swapping (MemAvailable)"),
        Column("buffers", .bigint, "Block device buffers"),
        Column("cached", .bigint, "Page cache"),
        Column("swap_cached", .bigint, "Swapped-out memory also still in RAM"),
        Column("active", .bigint, "Recently used memory"),
        Column("inactive", .bigint, "Less recently used memory"),
        Column("swap_total", .bigint, "Total swap"),
        Column("swap_free", .bigint, "Unused swap"),
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
