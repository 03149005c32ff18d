import VigilSQL
import VigilSystem

/// `cpuid`: the CPU's vendor and brand strings and its feature bits, read with the
/// CPUID instruction (x86; empty elsewhere). Feature names are the kernel's
/// (/proc/cpuinfo flags: pni is SSE3).
public struct CPUIDTable: VirtualTable {
    public let schema = TableSchema("cpuid", "CPU vendor, brand and feature bits from the CPUID instruction (feature names as /proc/cpuinfo's flags).", [
        Column("feature", .text, "Feature flag (sse4_2, avx2, ...), or vendor / product_name"),
        Column("value", .text, "1 if the CPU has the feature, 0 if not; the text for vendor and product_name"),
        Column("output_register", .text, "Register the bit is read from (eax, ebx, ecx, edx)"),
        Column("output_bit", .integer, "Bit of that register"),
        Column("input_eax", .text, "CPUID leaf (EAX input) in hex, e.g. 0x1"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(CPUID.values()) { v in
            var row = Row(schema)
            row["feature"] = .text(v.feature)
            row["value"] = .text(v.value)
            row["output_register"] = .text(v.register)
            row["output_bit"] = SQLValue(v.bit)
            row["input_eax"] = .text("0x" + String(v.leaf, radix: 16))
            return row
        }
    }
}
