import VigilSQL
import VigilSystem

/// `kernel_modules`: loaded modules from /proc/modules.
public struct KernelModulesTable: VirtualTable {
    public let schema = TableSchema("kernel_modules", "Modules currently loaded into the kernel, from /proc/modules.", [
        Column("name", .text, "Name as /proc/modules lists it"),
        Column("size", .bigint, "Memory the module occupies, in bytes"),
        Column("used_by", .text, "Comma-separated modules that use it, or '-' for none"),
        Column("status", .text, "Load state: Live, Loading or Unloading"),
        Column("address", .text, "Load address in hex (all zeros when kptr_restrict hides it)"),
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
