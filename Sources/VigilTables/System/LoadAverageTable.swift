import VigilSQL
import VigilSystem

/// `load_average`: the 1, 5 and 15 minute load averages, one row each.
public struct LoadAverageTable: VirtualTable {
    public let schema = TableSchema("load_average", "Run-queue load averages from /proc/loadavg, one row per window.", [
        Column("period", .text, "Window length: 1m, 5m or 15m"),
        Column("average", .text, "Value as text with six decimals (0.150000)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let load: LoadAverage
        do { load = try LoadAverage.read() } catch { throw TableError("load_average: \(error)") }
        return RowSequence(zip(["1m", "5m", "15m"], load.values).map { period, value in
            var row = Row(schema)
            row["period"] = .text(period)
            row["average"] = .text(Self.sixDecimals(value))
            return row
        })
    }

    /// osquery prints the averages with six decimals ("0.150000"); the kernel gives two.
    static func sixDecimals(_ value: String) -> String {
        let parts = value.split(separator: ".", maxSplits: 1)
        guard let whole = parts.first else { return value }
        let fraction = parts.count > 1 ? String(parts[1].prefix(6)) : ""
        return String(whole) + "." + fraction + String(repeating: "0", count: 6 - fraction.count)
    }
}
