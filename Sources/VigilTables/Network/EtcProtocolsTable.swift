import VigilSQL
import VigilSystem

/// `etc_protocols`: /etc/protocols, one row per IP protocol.
public struct EtcProtocolsTable: VirtualTable {
    public let schema = TableSchema("etc_protocols", "IP protocols in /etc/protocols: name, number, alias and comment.", [
        Column("name", .text, "Protocol name"),
        Column("number", .integer, "Protocol number"),
        Column("alias", .text, "First alias (usually the name in upper case)"),
        Column("comment", .text, "Text after # on the line, trimmed"),
    ])
    let path: String

    public init() { self.init(path: "/etc/protocols") }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw TableError("etc_protocols: \(error)") }
        return RowSequence(FileSystem.lines(text)) { line in
            let (fields, comment) = EtcFile.fields(line)
            guard fields.count >= 2, let number = Int64(fields[1]) else { return nil }
            var row = Row(schema)
            row["name"] = .text(fields[0])
            row["number"] = .integer(number)
            row["alias"] = .text(fields.count > 2 ? fields[2] : "")
            row["comment"] = .text(comment)
            return row
        }
    }
}
