import Glibc
import VigilSQL

/// `ulimit_info`: the resource limits of the process answering the query
/// (getrlimit(2)), as `ulimit -a` shows a shell's.
public struct UlimitInfoTable: VirtualTable {
    public let schema = TableSchema("ulimit_info", "Resource limits (getrlimit) of the process running the query: soft and hard.", [
        Column("type", .text, "Resource: as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack"),
        Column("soft_limit", .text, "Current limit, or unlimited"),
        Column("hard_limit", .text, "Ceiling for the soft limit, or unlimited"),
    ])

    public init() {}

    static let resources: [(String, Int32)] = [
        ("as", 9), ("core", 4), ("cpu", 0), ("data", 2), ("fsize", 1), ("locks", 10), ("memlock", 8), ("msgqueue", 12),
        ("nice", 13), ("nofile", 7), ("nproc", 6), ("rss", 5), ("rtprio", 14), ("rttime", 15), ("sigpending", 11), ("stack", 3),
    ]

    public func generate(_ context: QueryContext) throws -> RowSequence {
        RowSequence(Self.resources) { name, resource in
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(UInt32(resource)), &limit) == 0 else { return nil }
            func text(_ v: rlim_t) -> String { v == rlim_t.max ? "unlimited" : String(v) }  // RLIM_INFINITY
            var row = Row(schema)
            row["type"] = .text(name)
            row["soft_limit"] = .text(text(limit.rlim_cur))
            row["hard_limit"] = .text(text(limit.rlim_max))
            return row
        }
    }
}
