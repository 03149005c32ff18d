import VigilSQL
import VigilSystem

/// `docker_container_processes`: the processes in each container the query names
/// (`id =` is required), as the daemon lists them (`GET /containers/ID/top` with
/// the ps columns osquery asks for). Sizes are bytes (ps gives KiB); start_time is
/// seconds since boot, from ps's elapsed seconds and /proc/uptime.
public struct DockerContainerProcessesTable: VirtualTable {
    public let schema = TableSchema("docker_container_processes", "Docker container processes.", [
        Column("id", .text, "Container ID", [.index, .required]),
        Column("pid", .bigint, "Process ID", .index),
        Column("name", .text, "The process path or shorthand argv[0]"),
        Column("cmdline", .text, "Complete argv"),
        Column("state", .text, "Process state"),
        Column("uid", .bigint, "User ID"),
        Column("gid", .bigint, "Group ID"),
        Column("euid", .bigint, "Effective user ID"),
        Column("egid", .bigint, "Effective group ID"),
        Column("suid", .bigint, "Saved user ID"),
        Column("sgid", .bigint, "Saved group ID"),
        Column("wired_size", .bigint, "Bytes of unpageable memory used by process"),
        Column("resident_size", .bigint, "Bytes of private memory used by process"),
        Column("total_size", .bigint, "Total virtual memory size"),
        Column("start_time", .bigint, "Process start in seconds since boot (non-sleeping)"),
        Column("parent", .bigint, "Process parent's PID"),
        Column("pgroup", .bigint, "Process group"),
        Column("threads", .integer, "Number of threads used by process"),
        Column("nice", .integer, "Process nice level (-20 to 20, default 0)"),
        Column("user", .text, "User name"),
        Column("time", .text, "Cumulative CPU time. [DD-]HH:MM:SS format"),
        Column("cpu", .double, "CPU utilization as percentage"),
        Column("mem", .double, "Memory utilization as percentage"),
        .alias("phys_footprint", of: "total_size", .bigint),
    ])
    /// ps's columns, in the order of the row's fields below (the last, cmd, keeps its spaces).
    static let psColumns = "pid,state,uid,gid,euid,egid,suid,sgid,rss,vsz,etimes,ppid,pgrp,nlwp,nice,user,time,pcpu,pmem,comm,cmd"
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let ids = DockerAPI.idValues(context, "id") else { throw TableError.missingRequired(schema) }
        let uptime = (try? Uptime.seconds()).map { Int64($0) }
        var rows: [Row] = []
        for id in ids {
            let path = "/containers/\(id)/top?ps_args=" + DockerAPI.percentEncoded("axwwo " + Self.psColumns)
            let top: JSONValue?
            do { top = try api.get(path, table: schema.name) } catch {
                // A stopped container has no processes: the daemon answers 409.
                if "\(error)".contains("HTTP 409") { continue }
                throw error
            }
            for process in top?["Processes"]?.array ?? [] {
                let f = process.array?.compactMap(\.string) ?? []
                guard f.count == 21 else { continue }
                var row = Row(schema)
                row["id"] = .text(id)
                row["pid"] = SQLValue(Int64(f[0]))
                row["state"] = .text(f[1])
                for (i, column) in ["uid", "gid", "euid", "egid", "suid", "sgid"].enumerated() {
                    row[column] = SQLValue(Int64(f[2 + i]))
                }
                row["wired_size"] = 0  // no unpageable-memory counter on Linux
                row["resident_size"] = SQLValue(Int64(f[8]).map { $0 * 1024 })
                row["total_size"] = SQLValue(Int64(f[9]).map { $0 * 1024 })
                if let uptime, let elapsed = Int64(f[10]) { row["start_time"] = .integer(max(0, uptime - elapsed)) }
                row["parent"] = SQLValue(Int64(f[11]))
                row["pgroup"] = SQLValue(Int64(f[12]))
                row["threads"] = SQLValue(Int64(f[13]))
                row["nice"] = SQLValue(Int64(f[14]))
                row["user"] = .text(f[15])
                row["time"] = .text(f[16])
                row["cpu"] = Double(f[17]).map(SQLValue.double) ?? .null
                row["mem"] = Double(f[18]).map(SQLValue.double) ?? .null
                row["name"] = .text(f[19])
                row["cmdline"] = .text(f[20])
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
