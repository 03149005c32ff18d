import VigilSQL
import VigilSystem

/// `deb_packages`: packages in dpkg's status database, as `dpkg-query -W` lists
/// them (everything except purged "not-installed" stanzas). `admindir = X`
/// reads another dpkg database, such as a container's.
public struct DebPackagesTable: VirtualTable {
    public let schema = TableSchema("deb_packages", "Packages in dpkg's status file, purged (not-installed) ones left out.", [
        Column("name", .text, "Package field"),
        Column("version", .text, "Version field, including epoch and revision"),
        Column("source", .text, "Source package name; empty when it equals the package name"),
        Column("size", .bigint, "Installed-Size field, in KiB (not bytes); NULL if absent"),
        Column("arch", .text, "Architecture field (amd64, all, ...)"),
        Column("revision", .text, "Version text after the last '-', or empty for native packages"),
        Column("status", .text, "Status field: want, error flag and state ('install ok installed')"),
        Column("maintainer", .text, "Maintainer field: name and e-mail"),
        Column("section", .text, "Section field (admin, libs, ...)"),
        Column("priority", .text, "Priority field (required, optional, ...)"),
        Column("admindir", .text, "dpkg directory whose status file was read; /var/lib/dpkg by default", .index),
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
