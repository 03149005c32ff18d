import VigilSQL

/// `portage_keywords`: Gentoo's per-package keywords, masks and unmasks from
/// /etc/portage (package.accept_keywords, package.keywords, package.mask,
/// package.unmask, each a file or a folder). One row per atom as written: a mask or
/// unmask of an atom that has keywords marks that row, as osquery does.
public struct PortageKeywordsTable: VirtualTable {
    public let schema = TableSchema("portage_keywords", "Per-package keywords, masks and unmasks of Portage (none on other distributions).", [
        Column("package", .text, "Package name (category/name, with :slot if the atom names one)"),
        Column("version", .text, "The version the entry is for, with its operator (>=1.2); empty means all"),
        Column("keyword", .text, "The keywords accepted for the package, space-separated (~amd64); empty for a mask or unmask alone"),
        Column("mask", .integer, "1 if package.mask lists the atom"),
        Column("unmask", .integer, "1 if package.unmask lists the atom"),
    ])
    let config: PortageConfig

    public init() { self.init(config: .host) }
    init(config: PortageConfig) { self.config = config }

    struct Entry {
        var keyword = ""
        var mask = false
        var unmask = false
    }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var atoms: [Substring] = []
        var entries: [Substring: Entry] = [:]
        func entry(_ atom: Substring, _ change: (inout Entry) -> Void) {
            if entries[atom] == nil { atoms.append(atom); entries[atom] = Entry() }
            change(&entries[atom]!)
        }
        // package.keywords is the older name of package.accept_keywords; Portage reads both.
        for setting in ["package.accept_keywords", "package.keywords"] {
            // The first line for an atom gives its keywords, as in osquery.
            for words in config.entries(setting) where entries[words[0]] == nil {
                entry(words[0]) { $0.keyword = words.dropFirst().joined(separator: " ") }
            }
        }
        for words in config.entries("package.mask") { entry(words[0]) { $0.mask = true } }
        for words in config.entries("package.unmask") { entry(words[0]) { $0.unmask = true } }
        return RowSequence(atoms.map { atom in
            let e = entries[atom]!
            let (package, version) = PortageAtom.split(atom)
            var row = Row(schema)
            row["package"] = .text(package)
            row["version"] = .text(version)
            row["keyword"] = .text(e.keyword)
            row["mask"] = SQLValue(e.mask)
            row["unmask"] = SQLValue(e.unmask)
            return row
        })
    }
}
