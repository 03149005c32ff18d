import Foundation
import VigilServerStore
import VigilWire

/// A live query's rows as a table: the host first, then every column any row had, in
/// name order (rows are stored with sorted keys).
struct ResultTable {
    var columns: [String]
    var rows: [(id: Int64, host: String, values: [String: String])]

    init(_ stored: [CampaignRow]) {
        var seen = Set<String>(), columns: [String] = []
        rows = stored.map { row in
            let object = (try? WireCoding.decode(JSONValue.self, from: Data(row.columns.utf8)))?.object ?? [:]
            var values: [String: String] = [:]
            for (k, v) in object { values[k] = v.text }
            for k in object.keys.sorted() where k != "host_identifier" && seen.insert(k).inserted { columns.append(k) }
            return (row.id, row.hostIdentifier, values)
        }
        self.columns = columns
    }

    /// `room`: how many more rows the script may add to this page as they arrive.
    func render(campaign: Int64, done: Bool, lastRow: Int64, room: Int) -> HTML {
        let columnsJSON = (try? WireCoding.encodeString(columns)) ?? "[]"
        return el("table", .id("rows"), Attribute("data-campaign", "\(campaign)"), Attribute("data-after", "\(lastRow)"), Attribute("data-room", "\(room)"),
                  Attribute("data-columns", columnsJSON), Attribute("data-stream", done ? "done" : "open")) {
            el("thead") {
                el("tr") {
                    el("th", Attribute("scope", "col")) { "host_identifier" }
                    for c in columns { el("th", Attribute("scope", "col")) { c } }
                }
            }
            el("tbody") {
                for r in rows {
                    el("tr") {
                        el("td") { r.host }
                        for c in columns { el("td") { r.values[c] ?? "" } }
                    }
                }
            }
        }
    }

    func objects() -> [JSONValue] {
        rows.map { r in
            var o = r.values.mapValues(JSONValue.string)
            o["host_identifier"] = .string(r.host)
            return .object(o)
        }
    }

    /// RFC 4180, and a cell that a spreadsheet would read as a formula (=, +, -, @ first)
    /// starts with a quote mark, since rows come from hosts.
    func csv() -> String {
        var out = (["host_identifier"] + columns).map(Self.cell).joined(separator: ",") + "\r\n"
        for r in rows {
            out += ([r.host] + columns.map { r.values[$0] ?? "" }).map(Self.cell).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func cell(_ value: String) -> String {
        var v = value
        if let first = v.first, "=+-@\t\r".contains(first), Double(v) == nil { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
