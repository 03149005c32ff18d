import VigilSQL
import VigilSystem

/// `deb_packages`: packages in dpkg's status database, as `dpkg-query -W` lists
/// them (everything except purged "not-installed" stanzas). `admindir = X`
/// reads another dpkg database; `pid_with_namespace = P` reads the one process P
/// sees, such as a container's (see `PidNamespace`).
public struct DebPackagesTable: VirtualTable {
    public let schema = TableSchema("deb_packages", "Packages in dpkg's status file, purged (not-installed) ones left out.", [
        Column("name", .text, "Package field"),
        Column("version", .text, "Version field, including epoch and revision").collated(.versionDpkg),
        Column("source", .text, "Source package name; empty when it equals the package name"),
        Column("size", .bigint, "Installed-Size field, in KiB (not bytes); NULL if absent"),
        Column("arch", .text, "Architecture field (amd64, all, ...)"),
        Column("revision", .text, "Version text after the last '-', or empty for native packages"),
        Column("status", .text, "Status field: want, error flag and state ('install ok installed')"),
        Column("maintainer", .text, "Maintainer field: name and e-mail"),
        Column("section", .text, "Section field (admin, libs, ...)"),
        Column("priority", .text, "Priority field (required, optional, ...)"),
        Column("admindir", .text, "dpkg directory whose status file was read; /var/lib/dpkg by default", .additional),
        Column("pid_with_namespace", .integer, "Read the dpkg database under /proc/PID/root, as this pid sees it; 0 means the host", [.additional, .hidden]),
        Column("mount_namespace_id", .text, "Mount namespace inode of pid_with_namespace; empty for the host", .hidden),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let explicit = context.texts("admindir")
        var rows: [Row] = []
        for (pid, root) in PidNamespace.roots(context) {
            let namespace = PidNamespace.mountNamespace(pid)
            for dir in explicit ?? [DpkgStatus.defaultAdminDirectory] {
                let packages: [DpkgPackage]
                do {
                    packages = try DpkgStatus.read(adminDirectory: root + dir)
                } catch {
                    // No dpkg database (not a Debian system, a wrong admindir, a process
                    // that is gone or whose root we may not read): no rows.
                    if error.isGone || pid != 0 { continue }
                    throw TableError("cannot read \(dir)/status: \(error)")
                }
                for package in packages where package.isPresent {
                    var r = row(package, adminDirectory: dir)
                    r["pid_with_namespace"] = .integer(pid)
                    r["mount_namespace_id"] = .text(namespace)
                    rows.append(r)
                }
            }
        }
        return RowSequence(rows)
    }

    func row(_ p: DpkgPackage, adminDirectory: String) -> Row {
        var row = Row(schema)
        row["name"] = .text(p.name)
        row["version"] = .text(p.version)
        row["source"] = .text(p.source)
        row["size"] = SQLValue(p.installedSize)
        row["arch"] = .text(p.architecture)
        row["revision"] = .text(p.revision)
        row["status"] = .text(p.status)
        row["maintainer"] = .text(p.maintainer)
        row["section"] = .text(p.section)
        row["priority"] = .text(p.priority)
        row["admindir"] = .text(adminDirectory)
        return row
    }
}
