import VigilSystem

/// Gentoo's installed-package database: /var/db/pkg/CATEGORY/NAME-VERSION/, one
/// small file per fact (SLOT, BUILD_TIME, repository, EAPI, SIZE, USE), and the
/// world set in /var/lib/portage/world. Absent on other distributions: no packages.
struct PortageDatabase {
    let root: String
    let worldFile: String

    static let host = PortageDatabase(root: "/var/db/pkg", worldFile: "/var/lib/portage/world")

    struct Package {
        let directory: String
        let name: String      // "sys-devel/gcc"
        let version: String   // "12.2.1_p20230121-r1"

        /// One fact file, trimmed; "" when absent.
        func fact(_ file: String) -> String { FileSystem.readTextIfPresent(directory + "/" + file)?.trimmingCharacters() ?? "" }
    }

    /// Every installed package, sorted by category and directory name.
    func packages() -> [Package] {
        var out: [Package] = []
        for category in ((try? FileSystem.list(root)) ?? []).sorted() {
            for entry in ((try? FileSystem.list(root + "/" + category)) ?? []).sorted() {
                // The version starts at the first "-" followed by a digit ("gcc-12.2.1").
                let chars = Array(entry)
                guard let cut = chars.indices.first(where: { $0 + 1 < chars.count && chars[$0] == "-" && chars[$0 + 1].isNumber }) else { continue }
                out.append(Package(directory: root + "/" + category + "/" + entry,
                                   name: category + "/" + String(chars[..<cut]), version: String(chars[(cut + 1)...])))
            }
        }
        return out
    }

    /// Package atoms in the world set ("sys-devel/gcc", slots stripped).
    func world() -> Set<String> {
        guard let text = FileSystem.readTextIfPresent(worldFile) else { return [] }
        return Set(FileSystem.lines(text).map { String($0.trimmingCharacters().split(separator: ":").first ?? "") })
    }
}
