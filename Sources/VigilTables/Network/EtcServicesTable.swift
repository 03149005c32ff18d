import VigilSQL
import VigilSystem

/// `etc_services`: /etc/services, one row per service and protocol.
public struct EtcServicesTable: VirtualTable {
    public let schema = TableSchema("etc_services", "Services in /etc/services: name, port, protocol, aliases and comment.", [
        Column("name", .text, "Service name"),
        Column("port", .integer, "Port number"),
        Column("protocol", .text, "Transport protocol (tcp, udp, sctp, ...)"),
        Column("aliases", .text, "Other names, separated by spaces"),
        Column("comment", .text, "Text after # on the line, trimmed"),
    ])
    let path: String

    public init() { self.init(path: "/etc/services") }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let text: String
        do { text = try FileSystem.readText(path) } catch { throw TableError("etc_services: \(error)") }
        return RowSequence(FileSystem.lines(text)) { line in
            let (fields, comment) = EtcFile.fields(line)
            guard fields.count >= 2 else { return nil }
            let portProto = fields[1].split(separator: "/")
            guard portProto.count == 2, let port = Int64(portProto[0]) else { return nil }
            var row = Row(schema)
            row["name"] = .text(fields[0])
            row["port"] = .integer(port)
            row["protocol"] = .text(String(portProto[1]))
            row["aliases"] = .text(fields.dropFirst(2).joined(separator: " "))
            row["comment"] = .text(comment)
            return row
        }
    }
}

/// Lines of the /etc databases (services, protocols): whitespace-separated fields
/// and the comment after '#'.
enum EtcFile {
    static func fields(_ line: Substring) -> (fields: [String], comment: String) {
        let parts = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let fields = (parts.first ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        return (fields, parts.count > 1 ? parts[1].trimmingCharacters() : "")
    }
}
