import Glibc
import VigilSQL
import VigilSystem

/// `system_info`: one row of host identity (hostname, UUID) and hardware summary
/// (CPU from /proc/cpuinfo, memory, SMBIOS vendor/model strings when the firmware has them).
public struct SystemInfoTable: VirtualTable {
    public let schema = TableSchema("system_info", "One row: host name, machine UUID, CPU and memory totals, SMBIOS strings.", [
        Column("hostname", .text, "Name from gethostname()"),
        Column("uuid", .text, "SMBIOS product UUID, else /etc/machine-id as a UUID; upper case"),
        Column("cpu_type", .text, "Hardware name, as uname -m prints it"),
        Column("cpu_subtype", .text, "'model' number from /proc/cpuinfo; empty where absent (ARM)"),
        Column("cpu_brand", .text, "Processor name from /proc/cpuinfo (model name, or Model/Hardware on ARM)"),
        Column("cpu_physical_cores", .integer, "Distinct cores in /proc/cpuinfo (the logical count if not listed)"),
        Column("cpu_logical_cores", .integer, "Processors listed in /proc/cpuinfo (online ones)"),
        Column("cpu_sockets", .integer, "Distinct physical ids in /proc/cpuinfo (1 if not listed)"),
        Column("cpu_microcode", .text, "microcode value from /proc/cpuinfo, or empty"),
        Column("physical_memory", .bigint, "RAM the kernel manages, in bytes (_SC_PHYS_PAGES x page size)"),
        Column("hardware_vendor", .text, "DMI sys_vendor, or empty"),
        Column("hardware_model", .text, "DMI product_name, or empty"),
        Column("hardware_version", .text, "DMI product_version, or empty"),
        Column("hardware_serial", .text, "DMI product_serial (readable by root only), or empty"),
        Column("board_vendor", .text, "DMI board_vendor, or empty"),
        Column("board_model", .text, "DMI board_name, or empty"),
        Column("board_version", .text, "DMI board_version, or empty"),
        Column("board_serial", .text, "DMI board_serial (readable by root only), or empty"),
        Column("computer_name", .text, "Same as hostname: Linux has no separate display name"),
        Column("local_hostname", .text, "hostname up to its first dot"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var row = Row(schema)
        let host = Host.name()
        row["hostname"] = .text(host)
        row["computer_name"] = .text(host)
        row["local_hostname"] = .text(String(host.split(separator: ".").first ?? ""))
        if context.isUsed("uuid") {
            row["uuid"] = .text(Self.hostUUID())
        }
        row["cpu_type"] = .text((try? Uname.current().machine) ?? "")
        if context.isAnyUsed("cpu_subtype", "cpu_brand", "cpu_physical_cores", "cpu_logical_cores", "cpu_sockets", "cpu_microcode") {
            if let cpu = try? CPUInfo.read() {
                row["cpu_subtype"] = .text(cpu.model)
                row["cpu_brand"] = .text(cpu.brand)
                row["cpu_physical_cores"] = SQLValue(cpu.physicalCores)
                row["cpu_logical_cores"] = SQLValue(cpu.logicalCores)
                row["cpu_sockets"] = SQLValue(cpu.sockets)
                row["cpu_microcode"] = .text(cpu.microcode)
            }
        }
        row["physical_memory"] = .integer(Int64(sysconf(Int32(_SC_PHYS_PAGES))) * ProcFS.pageSize)
        let dmi: [(String, String)] = [
            ("hardware_vendor", "sys_vendor"), ("hardware_model", "product_name"),
            ("hardware_version", "product_version"), ("hardware_serial", "product_serial"),
            ("board_vendor", "board_vendor"), ("board_model", "board_name"),
            ("board_version", "board_version"), ("board_serial", "board_serial"),
        ]
        for (column, attribute) in dmi where context.isUsed(column) {
            row[column] = .text(DMI.value(attribute) ?? "")
        }
        return RowSequence([row])
    }

    /// The SMBIOS product UUID, else /etc/machine-id as a UUID, upper case (osquery_info.uuid too).
    public static func hostUUID() -> String {
        (DMI.value("product_uuid") ?? MachineID.read().map(MachineID.asUUID) ?? "").uppercased()
    }
}
