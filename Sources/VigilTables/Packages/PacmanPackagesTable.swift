import VigilSQL
import VigilSystem

/// `pacman_packages`: packages installed by Arch Linux's pacman, from its local
/// database (DBPATH/local/NAME-VERSION/desc; DBPATH /var/lib/pacman unless
/// `dbpath =` names others). None on other distributions. `name = X` reads only
/// the folders whose name, without the version and release pacman appends, is X.
public struct PacmanPackagesTable: VirtualTable {
    public let schema = TableSchema("pacman_packages", "Packages installed by the pacman package manager.", [
        Column("name", .text, "Package name", .index),
        Column("version", .text, "Package version, including epoch and release").collated(.version),
        Column("source", .text, "Name of the base package this package was built from"),
        Column("description", .text, "Package description"),
        Column("url", .text, "Upstream project URL"),
        Column("licenses", .text, "Comma separated list of licenses"),
        Column("groups", .text, "Comma separated list of groups the package belongs to"),
        Column("arch", .text, "Package architecture"),
        Column("size", .bigint, "Installed size of the package in bytes"),
        Column("packager", .text, "Person or process that built the package"),
        Column("build_time", .bigint, "Unix time when the package was built"),
        Column("install_time", .bigint, "Unix time when the package was installed"),
        Column("install_reason", .text, "Either 'explicit' if the package was installed directly, or 'dependency' if it was installed to satisfy another package. Empty when the database records a reason this table does not recognize"),
        Column("validation", .text, "Comma separated list of methods used to validate the package, for example 'sha256' or 'pgp'"),
        Column("dbpath", .text, "pacman database path. The installed packages are read from the 'local' subdirectory. Defaults to /var/lib/pacman", .additional),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let names = context.texts("name").map(Set.init)
        var rows: [Row] = []
        for dbpath in context.texts("dbpath") ?? ["/var/lib/pacman"] {
            let local = dbpath + "/local"
            // Besides the package folders, local/ holds the ALPM_DB_VERSION file.
            for folder in ((try? FileSystem.list(local)) ?? []).sorted() {
                if let names, !names.contains(Self.packageName(folder)) { continue }
                guard let text = FileSystem.readTextIfPresent(local + "/" + folder + "/desc"),
                      let desc = PacmanDesc(text), let name = desc.first("NAME") else { continue }
                var row = Row(schema)
                row["name"] = .text(name)
                row["version"] = .text(desc.first("VERSION") ?? "")
                row["source"] = .text(desc.first("BASE") ?? "")
                row["description"] = .text(desc.first("DESC") ?? "")
                row["url"] = .text(desc.first("URL") ?? "")
                row["licenses"] = .text(desc.list("LICENSE"))
                row["groups"] = .text(desc.list("GROUPS"))
                row["arch"] = .text(desc.first("ARCH") ?? "")
                // A package without files of its own (a metapackage) records no size: libalpm's 0.
                row["size"] = SQLValue(Int64(desc.first("SIZE") ?? "0"))
                row["packager"] = .text(desc.first("PACKAGER") ?? "")
                row["build_time"] = SQLValue(desc.first("BUILDDATE").flatMap { Int64($0) })
                row["install_time"] = SQLValue(desc.first("INSTALLDATE").flatMap { Int64($0) })
                row["install_reason"] = .text(desc.installReason)
                row["validation"] = .text(desc.list("VALIDATION"))
                row["dbpath"] = .text(dbpath)
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }

    /// "lib32-gcc-libs-14.1.1+r1-1" is lib32-gcc-libs: pacman names each folder
    /// NAME-PKGVER-PKGREL, and neither the version nor the release holds a "-".
    static func packageName(_ folder: String) -> String {
        let parts = folder.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count > 2 ? parts.dropLast(2).joined(separator: "-") : folder
    }
}

/// A local database `desc` file: %KEY% lines, each followed by its value lines
/// (a list runs to the blank line libalpm ends it with, or to the next key).
struct PacmanDesc {
    private var fields: [String: [String]] = [:]

    /// nil for an entry without %NAME% (an interrupted transaction leaves such entries).
    init?(_ text: String) {
        var key: String?
        for raw in FileSystem.lines(text) {
            let line = raw.trimmingCharacters()
            if line.isEmpty { continue }
            if line.count > 2, line.hasPrefix("%"), line.hasSuffix("%") {
                let name = String(line.dropFirst().dropLast())
                key = name
                if fields[name] == nil { fields[name] = [] }
            } else if let key {
                fields[key, default: []].append(String(line))
            }
        }
        guard fields["NAME"]?.isEmpty == false else { return nil }
    }

    func first(_ key: String) -> String? { fields[key]?.first }
    func list(_ key: String) -> String { (fields[key] ?? []).joined(separator: ",") }

    /// libalpm's %REASON%: 0 (or no %REASON% at all) explicit, 1 a dependency.
    var installReason: String {
        guard let reason = fields["REASON"] else { return "explicit" }
        switch reason.first {
        case "0": return "explicit"
        case "1": return "dependency"
        default: return ""
        }
    }
}
