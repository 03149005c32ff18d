import VigilSQL
import VigilSystem

/// `rpm_packages`: packages in the system's RPM database, read through librpm as
/// `rpm -qa` lists them. `name =` looks the name up in RPM's Name index instead of
/// reading every header. A host without an RPM database (Debian) gives no rows;
/// `pid_with_namespace = P` reads the database P sees, such as a container's.
public struct RpmPackagesTable: VirtualTable {
    public let schema = TableSchema("rpm_packages", "RPM packages that are currently installed on the host system.", [
        Column("name", .text, "RPM package name", .index),
        Column("version", .text, "Package version", .index).collated(.versionRhel),
        Column("release", .text, "Package release", .index),
        Column("source", .text, "Source RPM package name (optional)"),
        Column("size", .bigint, "Package size in bytes"),
        Column("sha1", .text, "SHA1 hash of the package contents"),
        Column("arch", .text, "Architecture(s) supported", .index),
        Column("epoch", .integer, "Package epoch value; NULL when the package has none", .index),
        Column("install_time", .integer, "When the package was installed"),
        Column("vendor", .text, "Package vendor"),
        Column("package_group", .text, "Package group"),
        Column("pid_with_namespace", .integer, "Read the RPM database under /proc/PID/root, as this pid sees it; 0 means the host", [.additional, .hidden]),
        Column("mount_namespace_id", .text, "Mount namespace inode of pid_with_namespace; empty for the host", .hidden),
    ])

    /// Database directories to read instead of the system's (tests point this at a
    /// database they build); nil reads the system's.
    let directories: [String]?

    public init() { self.directories = nil }
    public init(databaseDirectories: [String]) { self.directories = databaseDirectories }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let selections: [RPMDatabase.Selection] = context.texts("name")?.map { .name($0) } ?? [.all]
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            let namespace = PidNamespace.mountNamespace(pid)
            for directory in directories ?? RPMDatabase.systemDirectory(root: root).map({ [$0] }) ?? [] {
                for selection in selections {
                    let packages: [(RPMPackage, [RPMFile])]
                    do { packages = try RPMDatabase.read(directory: directory, selection) } catch {
                        throw TableError("rpm_packages: \(error)")
                    }
                    for (p, _) in packages {
                        var r = Row(schema)
                        r["name"] = .text(p.name)
                        r["version"] = .text(p.version)
                        r["release"] = .text(p.release)
                        r["source"] = .text(p.sourceRPM)
                        r["size"] = SQLValue(p.size)
                        r["sha1"] = .text(p.sha1)
                        r["arch"] = .text(p.arch)
                        r["epoch"] = SQLValue(p.epoch)
                        r["install_time"] = SQLValue(p.installTime)
                        r["vendor"] = .text(p.vendor)
                        r["package_group"] = .text(p.group)
                        r["pid_with_namespace"] = .integer(pid)
                        r["mount_namespace_id"] = .text(namespace)
                        rows.append(r)
                    }
                }
            }
        }
        return RowSequence(rows)
    }
}
