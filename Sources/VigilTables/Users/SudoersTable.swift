import VigilSQL
import VigilSystem

/// `sudoers`: the lines of /etc/sudoers and the files it includes (#include,
/// #includedir, @include, @includedir), one row per rule or directive: its first
/// word (Defaults, a user, %group, an alias kind, the include directive) and the rest.
public struct SudoersTable: VirtualTable {
    public let schema = TableSchema("sudoers", "Rules of /etc/sudoers and the files it includes: first word and the rest of each line.", [
        Column("source", .text, "File the line was read from"),
        Column("header", .text, "First word: Defaults, User_Alias, a user, %group, #includedir, ..."),
        Column("rule_details", .text, "The rest of the line, continuation lines joined"),
    ])
    let path: String

    public init() { self.init(path: "/etc/sudoers") }
    init(path: String) { self.path = path }

    /// Include depth sudo itself allows.
    static let maxDepth = 128

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        read(path, depth: 0, into: &rows)
        return RowSequence(rows)
    }

    func read(_ file: String, depth: Int, into rows: inout [Row]) {
        guard depth < Self.maxDepth, let text = FileSystem.readTextIfPresent(file) else { return }
        let dir = PathConstraints.parent(of: file)
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = pending + raw.trimmingCharacters()
            pending = ""
            if line.hasSuffix("\\") { pending = String(line.dropLast()).trimmingCharacters() + " "; continue }  // one space at the join
            line = line.trimmingCharacters()
            let isInclude = ["#include", "#includedir", "@include", "@includedir"].contains { line.hasPrefix($0 + " ") }
            guard !line.isEmpty, !line.hasPrefix("#") || isInclude else { continue }
            let header = String(line.prefix(while: { $0 != " " && $0 != "\t" }))
            let details = line.dropFirst(header.count).trimmingCharacters()
            var row = Row(schema)
            row["source"] = .text(file)
            row["header"] = .text(header)
            row["rule_details"] = .text(details)
            rows.append(row)
            guard isInclude else { continue }
            // A relative include is relative to the including file's folder.
            let target = details.hasPrefix("/") ? details : dir + "/" + details
            if header.hasSuffix("dir") {
                // sudo skips names ending in ~ or containing a dot.
                for name in ((try? FileSystem.list(target)) ?? []).sorted() where !name.hasSuffix("~") && !name.contains(".") {
                    read(target + "/" + name, depth: depth + 1, into: &rows)
                }
            } else {
                read(target, depth: depth + 1, into: &rows)
            }
        }
    }
}
