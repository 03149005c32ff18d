import VigilSQL
import VigilSystem

/// `rpm_package_files`: the files each installed RPM package owns, from the file
/// lists in the system's RPM database (librpm's rpmfi), as `rpm -ql --dump` shows
/// them. `package =` reads that package only (RPM's Name index); `path =` asks
/// the database which package owns the path (its file-name index). No RPM
/// database (Debian): no rows.
public struct RpmPackageFilesTable: VirtualTable {
    public let schema = TableSchema("rpm_package_files", "Installed files from RPM packages that are currently installed on the system.", [
        Column("package", .text, "RPM package name", .index),
        Column("path", .text, "File path within the package", .index),
        Column("username", .text, "File default username from info DB"),
        Column("groupname", .text, "File default groupname from info DB"),
        Column("mode", .text, "File permissions mode from info DB, 4 octal digits (0644)"),
        Column("size", .bigint, "Expected file size in bytes from RPM info DB"),
        Column("sha256", .text, "SHA256 file digest from RPM info DB (zeros for a directory, as rpm --dump shows)"),
    ])

    /// Database directories to read instead of the system's (tests); nil reads the system's.
    let directories: [String]?

    public init() { self.directories = nil }
    public init(databaseDirectories: [String]) { self.directories = databaseDirectories }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let paths = context.texts("path").map(Set.init)
        let selections: [RPMDatabase.Selection] =
            context.texts("package")?.map { .name($0) } ?? paths?.map { .installedFile($0) } ?? [.all]
        var rows: [Row] = []
        for directory in directories ?? RPMDatabase.systemDirectory().map({ [$0] }) ?? [] {
            for selection in selections {
                let packages: [(RPMPackage, [RPMFile])]
                do { packages = try RPMDatabase.read(directory: directory, selection, files: true) } catch {
                    throw TableError("rpm_package_files: \(error)")
                }
                for (p, files) in packages {
                    for f in files where paths?.contains(f.path) ?? true {
                        var r = Row(schema)
                        r["package"] = .text(p.name)
                        r["path"] = .text(f.path)
                        r["username"] = .text(f.user)
                        r["groupname"] = .text(f.group)
                        r["mode"] = .text(octal(f.mode & 0o7777))
                        r["size"] = .integer(f.size)
                        r["sha256"] = .text(f.digest)
                        rows.append(r)
                    }
                }
            }
        }
        return RowSequence(rows)
    }

    private func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
