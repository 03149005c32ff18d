import VigilSQL
import VigilSystem

/// `deb_package_files`: the paths each installed dpkg package owns, from
/// `<admindir>/info/<package>[:<arch>].list` (what `dpkg -L` prints). As in
/// osquery, owner, group, mode and size are those of the file on disk now (dpkg
/// records no per-file metadata), and `sha256` is empty (dpkg keeps MD5 sums only).
/// `package =` reads only that package's list; `admindir =` reads another dpkg
/// database; the file is stat'ed only when one of its columns is used.
public struct DebPackageFilesTable: VirtualTable {
    public let schema = TableSchema("deb_package_files", "DEB packages that are currently installed on the host system.", [
        Column("package", .text, "DEB package name", .index),
        Column("path", .text, "File path within the package", .index),
        Column("username", .text, "Owner of the file on disk (dpkg records none); NULL when the file is missing"),
        Column("groupname", .text, "Group of the file on disk; NULL when the file is missing"),
        Column("mode", .text, "Permission bits of the file on disk in octal, unpadded (755), as osquery prints them"),
        Column("size", .bigint, "Size in bytes of the file on disk"),
        Column("sha256", .text, "Empty: dpkg's info database holds MD5 sums only (osquery leaves it empty too)"),
        // osquery hands every constraint to its generator; here only index columns get them, hence .index.
        Column("admindir", .text, "libdpkg admindir. Defaults to /var/lib/dpkg", [.index, .additional]),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let wanted = context.texts("package").map(Set.init)
        let paths = context.texts("path").map(Set.init)
        let stats = context.isAnyUsed("username", "groupname", "mode", "size")
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
                    r["sha256"] = .text("")
                    r["admindir"] = .text(dir)
                    if stats, let st = try? FileSystem.status(path, followLinks: false) {
                        r["username"] = .text(Passwd.userName(st.st_uid) ?? String(st.st_uid))
                        r["groupname"] = .text(Passwd.groupName(st.st_gid) ?? String(st.st_gid))
                        r["mode"] = .text(String(UInt32(st.st_mode) & 0o7777, radix: 8))
                        r["size"] = .integer(Int64(st.st_size))
                    }
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
