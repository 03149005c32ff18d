import Glibc
import VigilSQL
import VigilSystem

/// `vigil_info`: one row about the running Vigil process.
public struct VigilInfoTable: VirtualTable {
    public let schema = TableSchema("vigil_info", "The running Vigil process: version, pid, start time and build.", [
        Column("version", .text, "Vigil version"),
        Column("pid", .integer, "Process ID of this Vigil process"),
        Column("start_time", .bigint, "Process start time in seconds since Epoch"),
        Column("build", .text, "Build type, compiler and platform"),
        Column("sqlite_version", .text, "Version of the SQLite library in use"),
        Column("path", .text, "Path of the running vigil binary"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let pid = getpid()
        var row = Row(schema)
        row["version"] = .text(VigilVersion.version)
        row["pid"] = SQLValue(pid)
        if let st = try? ProcessStat.read(pid) {
            row["start_time"] = .integer(ProcFS.bootTime() + st.startTicks / ProcFS.ticksPerSecond)
        }
        row["build"] = .text(VigilVersion.build)
        row["sqlite_version"] = .text(Database.sqliteVersion)
        row["path"] = SQLValue(try? ProcFS.link(pid, "exe").path)
        return RowSequence([row])
    }
}
