import Glibc
import VigilSQL

/// `docker_container_stats`: one sample of each named container's resource use
/// (`id =` is required), as the daemon measures it (`GET /containers/ID/stats?stream=false`,
/// which waits about a second for its second CPU reading). Times are UNIX seconds;
/// `interval` is nanoseconds between the two readings. Disk bytes add up the
/// block I/O entries of each op ("Read", or "read" as cgroup v2 names it); network
/// bytes add up every interface. A stopped container gives zeros, as the daemon does.
public struct DockerContainerStatsTable: VirtualTable {
    public let schema = TableSchema("docker_container_stats", "Docker container statistics. Queries on this table take at least one second.", [
        Column("id", .text, "Container ID", [.index, .required]),
        Column("name", .text, "Container name", .index),
        Column("pids", .integer, "Number of processes"),
        Column("read", .bigint, "UNIX time when stats were read"),
        Column("preread", .bigint, "UNIX time when stats were last read"),
        Column("interval", .bigint, "Difference between read and preread in nano-seconds"),
        Column("disk_read", .bigint, "Total disk read bytes"),
        Column("disk_write", .bigint, "Total disk write bytes"),
        Column("num_procs", .integer, "Number of processors"),
        Column("cpu_total_usage", .bigint, "Total CPU usage"),
        Column("cpu_kernelmode_usage", .bigint, "CPU kernel mode usage"),
        Column("cpu_usermode_usage", .bigint, "CPU user mode usage"),
        Column("system_cpu_usage", .bigint, "CPU system usage"),
        Column("online_cpus", .integer, "Online CPUs"),
        Column("pre_cpu_total_usage", .bigint, "Last read total CPU usage"),
        Column("pre_cpu_kernelmode_usage", .bigint, "Last read CPU kernel mode usage"),
        Column("pre_cpu_usermode_usage", .bigint, "Last read CPU user mode usage"),
        Column("pre_system_cpu_usage", .bigint, "Last read CPU system usage"),
        Column("pre_online_cpus", .integer, "Last read online CPUs"),
        Column("memory_usage", .bigint, "Memory usage"),
        Column("memory_max_usage", .bigint, "Memory maximum usage"),
        Column("memory_limit", .bigint, "Memory limit"),
        Column("network_rx_bytes", .bigint, "Total network bytes read"),
        Column("network_tx_bytes", .bigint, "Total network bytes transmitted"),
    ])
    /// Integer columns and where the stats document has them.
    static let counters: [(String, [String])] = [
        ("pids", ["pids_stats", "current"]), ("num_procs", ["num_procs"]),
        ("cpu_total_usage", ["cpu_stats", "cpu_usage", "total_usage"]),
        ("cpu_kernelmode_usage", ["cpu_stats", "cpu_usage", "usage_in_kernelmode"]),
        ("cpu_usermode_usage", ["cpu_stats", "cpu_usage", "usage_in_usermode"]),
        ("system_cpu_usage", ["cpu_stats", "system_cpu_usage"]), ("online_cpus", ["cpu_stats", "online_cpus"]),
        ("pre_cpu_total_usage", ["precpu_stats", "cpu_usage", "total_usage"]),
        ("pre_cpu_kernelmode_usage", ["precpu_stats", "cpu_usage", "usage_in_kernelmode"]),
        ("pre_cpu_usermode_usage", ["precpu_stats", "cpu_usage", "usage_in_usermode"]),
        ("pre_system_cpu_usage", ["precpu_stats", "system_cpu_usage"]), ("pre_online_cpus", ["precpu_stats", "online_cpus"]),
        ("memory_usage", ["memory_stats", "usage"]), ("memory_max_usage", ["memory_stats", "max_usage"]),
        ("memory_limit", ["memory_stats", "limit"]),
    ]
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let ids = DockerAPI.idValues(context, "id") else { throw TableError.missingRequired(schema) }
        var rows: [Row] = []
        for id in ids {
            guard let stats = try api.getUnlessMissing("/containers/\(id)/stats?stream=false", table: schema.name) else { continue }
            var row = Row(schema)
            row["id"] = .text(id)
            row["name"] = .text(stats["name"]?.string ?? "")
            for (column, path) in Self.counters {
                row[column] = .integer(Int64(exactly: path.reduce(Optional(stats)) { $0?[$1] }?.number ?? 0) ?? 0)
            }
            let read = Self.time(stats["read"]?.string), preread = Self.time(stats["preread"]?.string)
            row["read"] = .integer(read.seconds)
            row["preread"] = .integer(preread.seconds)
            row["interval"] = .integer((read.seconds - preread.seconds) &* 1_000_000_000 &+ (read.nanoseconds - preread.nanoseconds))
            let io = stats.at("blkio_stats", "io_service_bytes_recursive")?.array ?? []
            row["disk_read"] = .integer(Self.sum(io, op: "read"))
            row["disk_write"] = .integer(Self.sum(io, op: "write"))
            var rx: Int64 = 0, tx: Int64 = 0
            if case .object(let networks)? = stats["networks"] {
                for network in networks.values {
                    rx &+= Int64(network["rx_bytes"]?.number ?? 0)
                    tx &+= Int64(network["tx_bytes"]?.number ?? 0)
                }
            }
            row["network_rx_bytes"] = .integer(rx)
            row["network_tx_bytes"] = .integer(tx)
            rows.append(row)
        }
        return RowSequence(rows)
    }

    /// Bytes of the block I/O entries whose op is `op`, in either case.
    static func sum(_ entries: [JSONValue], op: String) -> Int64 {
        entries.filter { $0["op"]?.string?.lowercased() == op }.reduce(Int64(0)) { $0 &+ Int64($1["value"]?.number ?? 0) }
    }

    /// An RFC 3339 time in UTC ("2026-12-06T15:00:00.123456789Z") as UNIX seconds
    /// and nanoseconds; zeros when absent or not that shape.
    static func time(_ text: String?) -> (seconds: Int64, nanoseconds: Int64) {
        guard let text, text.count >= 20 else { return (0, 0) }
        let digits = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int32? { Int32(String(decoding: digits[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return (0, 0) }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = Int64(timegm(&parts))
        var nanoseconds: Int64 = 0
        if digits[19] == UInt8(ascii: ".") {
            let fraction = digits[20...].prefix { $0 >= 48 && $0 <= 57 }.prefix(9)
            nanoseconds = Int64(String(decoding: fraction, as: UTF8.self) + String(repeating: "0", count: 9 - fraction.count)) ?? 0
        }
        return (seconds, nanoseconds)
    }
}
