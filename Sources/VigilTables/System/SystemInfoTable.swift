import Glibc
import VigilSQL
import VigilSystem

/// `system_info`: one row of host identity (hostname, UUID) and hardware summary
/// (CPU from /proc/cpuinfo, memory, SMBIOS vendor/model strings when the firmware has them).
public struct SystemInfoTable: VirtualTable {
    public let schema = TableSchema("system_info", "Host name, hardware identity and CPU/memory summary.", [
        Column("hostname", .text, "Network hostname"),
        Column("uuid", .text, "SMBIOS system UUID, else the machine-id as a UUID"),
        Column("cpu_type", .text, "CPU architecture"),
        Column("cpu_subtype", .text, "CPU model number"),
        Column("cpu_brand", .text, "CPU model name"),
        Column("cpu_physical_cores", .integer, "Physical CPU cores"),
        Column("cpu_logical_cores", .integer, "Logical CPUs online"),
        Column("cpu_sockets", .integer, "CPU sockets"),
        Column("cpu_microcode", .text, "CPU microcode revision"),
        Column("physical_memory", .bigint, "Physical memory in bytes"),
        Column("hardware_vendor", .text, "System vendor"),
        Column("hardware_model", .text, "System product name"),
        Column("hardware_version", .text, "System product version"),
        Column("hardware_serial", .text, "System serial number"),
        Column("board_vendor", .text, "Board vendor"),
        Column("board_model", .text, "Board name"),
        Column("board_version", .text, "Board version"),
        Column("board_serial", .text, "Board serial number"),
        Column("computer_name", .text, "Friendly computer name"),
        Column("local_hostname", .text, "Local hostname (first label)"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var row = Row(schema)
        let host = Host.name()
        row["hostname"] = .text(host)
        row["computer_name"] = .text(host)
        row["local_hostname"] = .text(String(host.split(separator: ".").first ?? ""))
        if context.isUsed("uuid") {
            let uuid = DMI.value("product_uuid") ?? MachineID.read().map(MachineID.asUUID) ?? ""
            row["uuid"] = .text(uuid.uppercased())
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
}
