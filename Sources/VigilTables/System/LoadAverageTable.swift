import VigilSQL
import VigilSystem

/// `load_average`: the 1, 5 and 15 minute load averages, one row each.
public struct LoadAverageTable: VirtualTable {
    public let schema = TableSchema("load_average", "System load averages over 1, 5 and 15 minutes.", [
        Column("period", .text, "Averaging window (1m, 5m, 15m)"),
        Column("average", .text, "Load average over the window"),
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
