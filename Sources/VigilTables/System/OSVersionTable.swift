import VigilSQL
import VigilSystem

/// `os_version`: the distribution from /etc/os-release, one row (per pid_with_namespace).
public struct OSVersionTable: VirtualTable {
    public let schema = TableSchema("os_version", "Distribution identity from os-release (/etc, else /usr/lib).", [
        Column("name", .text, "NAME field; 'Linux' when missing"),
        Column("version", .text, "VERSION field, falling back to VERSION_ID").collated(.version),
        Column("major", .integer, "1st dot-separated number of VERSION_ID; 0 if absent"),
        Column("minor", .integer, "2nd dot-separated number of VERSION_ID; 0 if absent"),
        Column("patch", .integer, "3rd dot-separated number of VERSION_ID; 0 if absent"),
        Column("build", .text, "BUILD_ID field, or empty"),
        Column("platform", .text, "ID field (debian, ubuntu, fedora, ...)"),
        Column("platform_like", .text, "ID_LIKE field: space-separated IDs of parent distributions"),
        Column("codename", .text, "VERSION_CODENAME (else UBUNTU_CODENAME), or empty"),
        Column("arch", .text, "Hardware name, as uname -m prints it"),
        Column("pid_with_namespace", .integer, "Read os-release under /proc/PID/root for this pid; 0 means the host", [.additional, .hidden]),
        Column("mount_namespace_id", .text, "Mount namespace inode of that pid; empty for the host", .hidden),
        .otherPlatform("install_date", .bigint, "Windows", "install date of the OS"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let arch = (try? Uname.current().machine) ?? ""
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            let release: [String: String]
            do { release = try OSRelease.read(root: root) } catch {
                if pid != 0 { continue }
                throw TableError("os_version: \(error)")
            }
            var row = Row(schema)
            row["name"] = .text(release["NAME"] ?? "Linux")
            row["version"] = .text(release["VERSION"] ?? release["VERSION_ID"] ?? "")
            let parts = (release["VERSION_ID"] ?? "").split(separator: ".").map { Int64($0) ?? 0 }
            row["major"] = .integer(parts.count > 0 ? parts[0] : 0)
            row["minor"] = .integer(parts.count > 1 ? parts[1] : 0)
            row["patch"] = .integer(parts.count > 2 ? parts[2] : 0)
            row["build"] = .text(release["BUILD_ID"] ?? "")
            row["platform"] = .text(release["ID"] ?? "")
            row["platform_like"] = .text(release["ID_LIKE"] ?? "")
            row["codename"] = .text(release["VERSION_CODENAME"] ?? release["UBUNTU_CODENAME"] ?? "")
            row["arch"] = .text(arch)
            row["pid_with_namespace"] = .integer(pid)
            row["mount_namespace_id"] = .text(PidNamespace.mountNamespace(pid))
            rows.append(row)
        }
        return RowSequence(rows)
    }
}
