import Glibc
import VigilSQL
import VigilSystem

/// `vigil_info`: one row about the running Vigil process.
public struct VigilInfoTable: VirtualTable {
    public let schema = TableSchema("vigil_info", "This Vigil process: version, pid, start time, build and SQLite version.", [
        Column("version", .text, "Vigil release version"),
        Column("pid", .integer, "PID of the Vigil process answering the query"),
        Column("start_time", .bigint, "When this process started, Unix seconds; NULL if unknown"),
        Column("build", .text, "Build configuration, compiler and target platform"),
        Column("sqlite_version", .text, "Version of the linked SQLite library"),
        Column("path", .text, "Executable of this process (/proc/self/exe); NULL if unreadable"),
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
