import VigilSQL
import VigilSystem

/// `ssh_configs`: the options of the SSH client's configuration, system-wide
/// (/etc/ssh/ssh_config, uid 0) and each user's ~/.ssh/config (read as that user),
/// one row per option line with the Host or Match block it is in.
public struct SSHConfigsTable: VirtualTable {
    public let schema = TableSchema("ssh_configs", "SSH client options from /etc/ssh/ssh_config and each user's ~/.ssh/config, with their Host/Match block.", [
        Column("uid", .bigint, "Account whose ~/.ssh/config holds the line; 0 for /etc/ssh/ssh_config", .additional),
        Column("block", .text, "The Host or Match line the option is under; empty before the first one"),
        Column("option", .text, "The option line as written (keyword and value), trimmed"),
        Column("ssh_config_file", .text, "File the option was read from"),
    ])
    let systemFile: String

    public init() { self.init(systemFile: "/etc/ssh/ssh_config") }
    init(systemFile: String) { self.systemFile = systemFile }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var rows: [Row] = []
        let uids = context.integers("uid").map(Set.init)
        if uids?.contains(0) ?? true, let text = FileSystem.readTextIfPresent(systemFile) {
            rows += Self.options(text).map { row(uid: 0, file: systemFile, $0) }
        }
        let files = try UserHomes.items(context, names: [".ssh/config"], limit: 1 << 20, parse: Self.options)
        rows += files.map { row(uid: $0.uid, file: $0.file, $0.item) }
        return RowSequence(rows)
    }

    func row(uid: UInt32, file: String, _ option: (block: String, option: String)) -> Row {
        var row = Row(schema)
        row["uid"] = SQLValue(uid)
        row["block"] = .text(option.block)
        row["option"] = .text(option.option)
        row["ssh_config_file"] = .text(file)
        return row
    }

    /// Option lines with the block each is under; comments and blank lines skipped.
    static func options(_ text: String) -> [(block: String, option: String)] {
        var block = ""
        var out: [(block: String, option: String)] = []
        for raw in FileSystem.lines(text) {
            let line = raw.trimmingCharacters()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let keyword = line.prefix(while: { $0 != " " && $0 != "\t" && $0 != "=" }).lowercased()
            if keyword == "host" || keyword == "match" {
                block = line
            } else {
                out.append((block, line))
            }
        }
        return out
    }
}
