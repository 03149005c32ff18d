import VigilSQL
import VigilSystem
import VigilTrace

/// `seccomp_events`: what seccomp filters logged or killed (AUDIT_SECCOMP records),
/// read from the audit socket, with osquery's columns.
public struct SeccompEventsTable: VirtualTable {
    public static let schema = TableSchema("seccomp_events", "System calls that seccomp filters logged, trapped or killed (AUDIT_SECCOMP records from the audit socket) since the scheduled query last ran (all buffered events for an ad hoc query).", [
        Column("time", .bigint, "Time of execution in UNIX time", .additional),
        Column("uptime", .bigint, "Time of execution in system uptime"),
        Column("auid", .unsignedBigint, "Audit user ID (loginuid) of the user who started the analyzed process"),
        Column("uid", .unsignedBigint, "User ID of the user who started the analyzed process"),
        Column("gid", .unsignedBigint, "Group ID of the user who started the analyzed process"),
        Column("ses", .unsignedBigint, "Session ID of the session from which the analyzed process was invoked"),
        Column("pid", .unsignedBigint, "Process ID"),
        Column("comm", .text, "Command-line name of the command that was used to invoke the analyzed process"),
        Column("exe", .text, "The path to the executable that was used to invoke the analyzed process"),
        Column("sig", .bigint, "Signal value sent to process by seccomp"),
        Column("arch", .text, "Information about the CPU architecture"),
        Column("syscall", .text, "Type of the system call"),
        Column("compat", .bigint, "Is system call in compatibility mode"),
        Column("ip", .text, "Instruction pointer value"),
        Column("code", .text, "The seccomp action"),
    ])
    public var schema: TableSchema { Self.schema }
    let store: EventStore

    public init(store: EventStore) { self.store = store }

    public func generate(_ context: QueryContext) throws -> RowSequence { store.rows(Self.schema) }

    /// AUDIT_SECCOMP.
    static let recordType: UInt16 = 1326

    /// AUDIT_ARCH_* values (linux/audit.h) by osquery's names, for the common ones.
    static let architectures: [UInt64: String] = [
        0xc000_003e: "X86_64", 0x4000_0003: "I386", 0xc000_00b7: "AARCH64", 0x4000_0028: "ARM",
        0xc000_0015: "PPC64LE", 0x8000_0015: "PPC64", 0x8000_0016: "S390X", 0xc000_00f3: "RISCV64",
    ]

    /// SECCOMP_RET_* actions (the top 16 bits of the filter's return value; the rest is data).
    static let actions: [UInt64: String] = [
        0x8000_0000: "KILL_PROCESS", 0x0000_0000: "KILL_THREAD", 0x0003_0000: "TRAP", 0x0005_0000: "ERRNO",
        0x7fc0_0000: "USER_NOTIF", 0x7ff0_0000: "TRACE", 0x7ffc_0000: "LOG", 0x7fff_0000: "ALLOW",
    ]

    static func row(_ record: AuditRecord, uptime: Int64) -> [SQLValue] {
        let f = record.fields
        func unsigned(_ key: String) -> SQLValue { f[key].flatMap { UInt64($0) }.map { SQLValue(Int64(bitPattern: $0)) } ?? .null }
        func hex(_ key: String) -> UInt64? {
            guard let v = f[key] else { return nil }
            return UInt64(v.hasPrefix("0x") ? String(v.dropFirst(2)) : v, radix: 16)
        }
        var row = Row(schema)
        row["time"] = SQLValue(record.milliseconds / 1000)
        row["uptime"] = SQLValue(uptime)
        for key in ["auid", "uid", "gid", "ses", "pid"] { row[key] = unsigned(key) }
        row["comm"] = SQLValue(f["comm"])
        row["exe"] = SQLValue(f["exe"])
        row["sig"] = SQLValue(f["sig"].flatMap { Int64($0) })
        let arch = hex("arch")
        row["arch"] = SQLValue(arch.map { architectures[$0] ?? "\($0)(unknown)" })
        // Names for this machine's own architecture; another's (a compat call) stays a number.
        let number = f["syscall"].flatMap { UInt32($0) }
        let native: UInt64 = 0xc000_003e
        row["syscall"] = SQLValue(number.map { n in arch == native ? SyscallNumbers.name(n) ?? "\(n)(unknown)" : String(n) })
        row["compat"] = SQLValue(f["compat"].flatMap { Int64($0) })
        row["ip"] = SQLValue(f["ip"])
        row["code"] = SQLValue(hex("code").map { actions[$0 & 0xffff_0000] ?? "\($0)(unknown)" })
        return row.values
    }
}
