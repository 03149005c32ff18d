import VigilSQL
import VigilSystem

/// `etc_hosts`: address lines of /etc/hosts, or of another process's root
/// (/proc/PID/root/etc/hosts) for each `pid_with_namespace` asked for.
public struct EtcHostsTable: VirtualTable {
    public let schema = TableSchema("etc_hosts", "Address lines of /etc/hosts, with comments stripped.", [
        Column("address", .text, "First field of the line: an IPv4 or IPv6 address"),
        Column("hostnames", .text, "Remaining fields (names and aliases), joined by single spaces"),
        Column("pid_with_namespace", .integer, "Read /proc/PID/root/etc/hosts for this pid; 0 for the host's own file", [.additional, .hidden]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        if let pids = context.integers("pid_with_namespace") {
            for pid in pids where pid > 0 {
                // A process that is gone or has no readable root contributes nothing.
                guard let entries = try? HostsFile.read(path: "/proc/\(pid)/root/etc/hosts") else { continue }
                rows += entries.map { row($0, pid: pid) }
            }
        } else {
            let entries: [HostsEntry]
            do {
                entries = try HostsFile.read()
            } catch {
                throw TableError("etc_hosts: \(error)")
            }
            rows = entries.map { row($0, pid: 0) }
        }
        return RowSequence(rows)
    }

    func row(_ e: HostsEntry, pid: Int64) -> Row {
        var row = Row(schema)
        row["address"] = .text(e.address)
        row["hostnames"] = .text(e.hostnames.joined(separator: " "))
        row["pid_with_namespace"] = .integer(pid)
        return row
    }
}
