import VigilSQL
import VigilSystem

/// `kernel_info`: the running kernel's release and boot command line.
public struct KernelInfoTable: VirtualTable {
    public let schema = TableSchema("kernel_info", "The running kernel's release and the command line it was booted with.", [
        Column("version", .text, "Release string, as uname -r prints it").collated(.version),
        Column("arguments", .text, "Whole /proc/cmdline; empty if unreadable"),
        Column("path", .text, "BOOT_IMAGE= value from the command line, or empty"),
        Column("device", .text, "root= value from the command line, or empty"),
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
