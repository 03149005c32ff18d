import VigilSQL
import VigilSystem

/// `os_version`: the distribution from /etc/os-release, one row (per pid_with_namespace).
public struct OSVersionTable: VirtualTable {
    public let schema = TableSchema("os_version", "Operating system name and version from os-release.", [
        Column("name", .text, "Distribution name"),
        Column("version", .text, "Version string, with codename when given"),
        Column("major", .integer, "Major version number"),
        Column("minor", .integer, "Minor version number"),
        Column("patch", .integer, "Patch version number"),
        Column("build", .text, "Build identifier, if any"),
        Column("platform", .text, "Distribution ID (debian, ubuntu, ...)"),
        Column("platform_like", .text, "IDs of related distributions"),
        Column("codename", .text, "Release codename"),
        Column("arch", .text, "Machine architecture"),
        Column("pid_with_namespace", .integer, "Read os-release as this process's mount namespace sees it", [.index, .additional, .hidden]),
        Column("mount_namespace_id", .text, "Mount namespace inode of pid_with_namespace", .hidden),
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
            row["mount_namespace_id"] = .text(pid == 0 ? "" : mountNamespace(pid))
            rows.append(row)
        }
        return RowSequence(rows)
    }

    /// "mnt:[4026531841]" → "4026531841".
    func mountNamespace(_ pid: Int64) -> String {
        guard let link = try? FileSystem.readLink("/proc/\(pid)/ns/mnt"),
              let open = link.firstIndex(of: "["), let close = link.lastIndex(of: "]") else { return "" }
        return String(link[link.index(after: open)..<close])
    }
}
