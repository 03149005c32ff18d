import VigilSQL
import VigilSystem

/// `kernel_info`: the running kernel's release and boot command line.
public struct KernelInfoTable: VirtualTable {
    public let schema = TableSchema("kernel_info", "Running kernel version and boot arguments.", [
        Column("version", .text, "Kernel release (uname -r)"),
        Column("arguments", .text, "Kernel command line"),
        Column("path", .text, "Kernel image booted (BOOT_IMAGE)"),
        Column("device", .text, "Root device (root=)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var row = Row(schema)
        do { row["version"] = .text(try Uname.current().release) } catch { throw TableError("kernel_info: \(error)") }
        // Unreadable /proc/cmdline (hardened /proc): keep the version, leave the rest empty.
        let cmdline = try? KernelCommandLine.read()
        row["arguments"] = .text(cmdline?.text ?? "")
        row["path"] = .text(cmdline?.value("BOOT_IMAGE") ?? "")
        row["device"] = .text(cmdline?.value("root") ?? "")
        return RowSequence([row])
    }
}
