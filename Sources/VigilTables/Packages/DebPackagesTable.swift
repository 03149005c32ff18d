import VigilSQL
import VigilSystem

/// `deb_packages`: packages in dpkg's status database, as `dpkg-query -W` lists
/// them (everything except purged "not-installed" stanzas). `admindir = X`
/// reads another dpkg database, such as a container's.
public struct DebPackagesTable: VirtualTable {
    public let schema = TableSchema("deb_packages", "Debian packages known to dpkg (installed or with config files left).", [
        Column("name", .text, "Package name"),
        Column("version", .text, "Package version"),
        Column("source", .text, "Source package name, when it differs from the package name"),
        Column("size", .bigint, "Installed size as dpkg records it (Installed-Size, KiB)"),
        Column("arch", .text, "Architecture"),
        Column("revision", .text, "Debian revision: the part of the version after the last '-'"),
        Column("status", .text, "dpkg status: want, error flag and state, e.g. 'install ok installed'"),
        Column("maintainer", .text, "Maintainer name and address"),
        Column("section", .text, "Archive section"),
        Column("priority", .text, "Package priority"),
        Column("admindir", .text, "dpkg database directory read (default /var/lib/dpkg)", .index),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let explicit = context.texts("admindir")
        var rows: [Row] = []
        for dir in explicit ?? [DpkgStatus.defaultAdminDirectory] {
            let packages: [DpkgPackage]
            do {
                packages = try DpkgStatus.read(adminDirectory: dir)
            } catch {
                // No dpkg database (not a Debian system, or a wrong admindir): no rows.
                if error.isGone { continue }
                throw TableError("cannot read \(dir)/status: \(error)")
            }
            for package in packages where package.isPresent {
                rows.append(row(package, adminDirectory: dir))
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
