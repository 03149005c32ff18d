import VigilOTLP
import VigilWire

/// Result and status lines, and live-query answers, as OTLP log records: one record per
/// row (a snapshot or a batched diff is split into its rows), the row's columns as the
/// body (a key-value list), the query's name and action as attributes, the host as the
/// resource. A line that is not the JSON it should be is exported whole as a string.
enum OTLPLogEncoding {
    static func exportRequest(_ items: [OTLPLogItem]) -> [UInt8] {
        var order: [OTLPHost] = []
        var byHost: [OTLPHost: [OTLPLogRecord]] = [:]
        for item in items {
            let (host, records) = records(item)
            if byHost[host] == nil { order.append(host) }
            byHost[host, default: []] += records
        }
        return OTLPLogs.exportRequest(order.map { OTLPResourceLogs(resource: $0.resource, scope: OTLPHost.scope, records: byHost[$0] ?? []) })
    }

    static func nanoseconds(_ seconds: Int64) -> UInt64 { UInt64(max(0, seconds)) &* 1_000_000_000 }

    static func records(_ item: OTLPLogItem) -> (OTLPHost, [OTLPLogRecord]) {
        switch item {
        case .answer(let host, let campaign, let rows, let received):
            return (host, rows.map { row in
                var r = OTLPLogRecord()
                r.timeUnixNano = nanoseconds(received)
                r.observedTimeUnixNano = r.timeUnixNano
                r.eventName = "vigil.live_query.result"
                r.body = value(.object(row))
                r.attributes = [OTLPAttribute("vigil.log_type", .string("live_query")), OTLPAttribute("vigil.campaign.id", .int(campaign))]
                return r
            })
        case .line(let host, let kind, let unixTime, let text, let received):
            var base = OTLPLogRecord()
            base.timeUnixNano = nanoseconds(unixTime)
            base.observedTimeUnixNano = nanoseconds(received)
            base.attributes = [OTLPAttribute("vigil.log_type", .string(kind))]
            var scanner = JSONScanner(Array(text.utf8))
            guard let line = try? scanner.otlpValue(), case .kvlist = line else {
                base.body = .string(text)
                return (host, [base])
            }
            return (host, kind == "status" ? [status(line, base)] : results(line, base))
        }
    }

    /// osquery's status line: severity 0 info, 1 warning, 2 error, 3 fatal.
    static func status(_ line: OTLPValue, _ base: OTLPLogRecord) -> OTLPLogRecord {
        var r = base
        r.eventName = "vigil.status"
        r.body = .string(line["message"]?.text ?? "")
        let severity = Int(line["severity"]?.text ?? "") ?? 0
        let levels: [(number: Int32, text: String)] = [(9, "INFO"), (13, "WARN"), (17, "ERROR"), (21, "FATAL")]
        (r.severityNumber, r.severityText) = levels[min(max(severity, 0), 3)]
        if let file = line["filename"]?.text, !file.isEmpty { r.attributes.append(OTLPAttribute("code.file.path", .string(file))) }
        if let lineNumber = Int64(line["line"]?.text ?? "") { r.attributes.append(OTLPAttribute("code.line.number", .int(lineNumber))) }
        return r
    }

    /// A result line: event (`columns`), snapshot (`snapshot`) or batched (`diffResults`).
    static func results(_ line: OTLPValue, _ base: OTLPLogRecord) -> [OTLPLogRecord] {
        var common = base
        common.eventName = "vigil.query.result"
        common.attributes.append(OTLPAttribute("vigil.query.name", .string(line["name"]?.text ?? "")))
        for key in ["epoch", "counter"] {
            if let n = Int64(line[key]?.text ?? "") { common.attributes.append(OTLPAttribute("vigil.query.\(key)", .int(n))) }
        }
        if let decorations = line["decorations"], case .kvlist = decorations {
            common.attributes.append(OTLPAttribute("vigil.decorations", decorations))
        }
        func record(_ row: OTLPValue, _ action: String) -> OTLPLogRecord {
            var r = common
            r.body = row
            r.attributes.append(OTLPAttribute("vigil.query.action", .string(action)))
            return r
        }
        if let columns = line["columns"] { return [record(columns, line["action"]?.text ?? "")] }
        if let rows = line["snapshot"]?.elements { return rows.map { record($0, "snapshot") } }
        if let diff = line["diffResults"] {
            return (diff["added"]?.elements ?? []).map { record($0, "added") } + (diff["removed"]?.elements ?? []).map { record($0, "removed") }
        }
        return [record(line, line["action"]?.text ?? "")]
    }

    /// JSON as an AnyValue; an object's members in key order (JSON objects have none).
    static func value(_ json: JSONValue) -> OTLPValue {
        switch json {
        case .null: .empty
        case .bool(let b): .bool(b)
        case .integer(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(value))
        case .object(let o): .kvlist(o.keys.sorted().map { OTLPAttribute($0, value(o[$0]!)) })
        }
    }
}
