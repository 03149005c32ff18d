import VigilSQL
import VigilSystem

/// `deb_package_files`: the paths each installed dpkg package owns, from
/// `<admindir>/info/<package>[:<arch>].list` (what `dpkg -L` prints), with osquery's
/// columns (package, path, admindir: its spec as merged in August 2025).
/// `package =` reads only that package's list; `admindir =` reads another dpkg database.
public struct DebPackageFilesTable: VirtualTable {
    public let schema = TableSchema("deb_package_files", "Installed files from DEB packages that are currently installed on the system.", [
        Column("package", .text, "DEB package name", .index),
        Column("path", .text, "File path within the package", .index),
        Column("admindir", .text, "libdpkg admindir. Defaults to /var/lib/dpkg", .additional),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let wanted = context.texts("package").map(Set.init)
        let paths = context.texts("path").map(Set.init)
        var rows: [Row] = []
        for dir in context.texts("admindir") ?? [DpkgStatus.defaultAdminDirectory] {
            let packages: [DpkgPackage]
            do { packages = try DpkgStatus.read(adminDirectory: dir) } catch {
                // A host without dpkg has no rows; a named admindir that is not one is the caller's mistake.
                if context.texts("admindir") == nil && error.isGone { continue }
                throw TableError("deb_package_files: cannot read \(dir)/status: \(error)")
            }
            for package in packages where package.isPresent && (wanted?.contains(package.name) ?? true) {
                guard let list = Self.fileList(package, adminDirectory: dir) else { continue }
                for line in FileSystem.lines(list) where !line.isEmpty {
                    let path = String(line)
                    if let paths, !paths.contains(path) { continue }
                    var r = Row(schema)
                    r["package"] = .text(package.name)
                    r["path"] = .text(path)
                    r["admindir"] = .text(dir)
                    rows.append(r)
                }
            }
        }
        return RowSequence(rows)
    }

    /// The package's file list: dpkg names it `<name>:<arch>.list` for Multi-Arch: same
    /// packages and `<name>.list` otherwise.
    static func fileList(_ package: DpkgPackage, adminDirectory: String) -> String? {
        let info = adminDirectory + "/info/" + package.name
        return FileSystem.readTextIfPresent(info + ":" + package.architecture + ".list")
            ?? FileSystem.readTextIfPresent(info + ".list")
    }
}
