import VigilSQL
import VigilSystem

/// `kernel_modules`: loaded modules from /proc/modules.
public struct KernelModulesTable: VirtualTable {
    public let schema = TableSchema("kernel_modules", "Loaded Linux kernel modules.", [
        Column("name", .text, "Module name"),
        Column("size", .bigint, "Module size in bytes"),
        Column("used_by", .text, "Modules that depend on this one"),
        Column("status", .text, "Module state (Live, Loading, Unloading)"),
        Column("address", .text, "Load address"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let modules: [KernelModule]
        do { modules = try KernelModules.read() } catch { throw TableError("kernel_modules: \(error)") }
        return RowSequence(modules.map { m in
            var row = Row(schema)
            row["name"] = .text(m.name)
            row["size"] = .integer(m.size)
            row["used_by"] = .text(m.usedBy)
            row["status"] = .text(m.state)
            row["address"] = .text(m.address)
            return row
        })
    }
}
