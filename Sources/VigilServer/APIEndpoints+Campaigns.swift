import Foundation
import Hummingbird
import NIOCore
import VigilServerStore
import VigilSystem
import VigilWire

/// Live queries: started on hosts, tracked per target, streamed as they arrive.
extension APIEndpoints {
    /// Largest SQL a live query may carry.
    static let maxSQLBytes = 64 * 1024

    func runQuery(_ request: Request) async throws -> Response {
        struct Body: Decodable {
            var sql: String
            var hostIdentifiers: [String]?
            var labels: [String]?
            enum CodingKeys: String, CodingKey { case sql, hostIdentifiers = "host_identifiers", labels }
        }
        let body = try await HTTPJSON.decode(Body.self, request)
        let id = try await startCampaign(sql: body.sql, hostIdentifiers: body.hostIdentifiers ?? [], labels: body.labels ?? [])
        return HTTPJSON.response(["campaign_id": id])
    }

    /// Check the SQL and the targets, store the campaign and wake the targets' held
    /// reads (the web UI's forms start live queries here too).
    func startCampaign(sql text: String, hostIdentifiers: [String], labels: [String]) async throws -> Int64 {
        let sql = text.trimmingCharacters(in: .whitespacesAndNewlines)
        try Self.checkSQL(sql)
        var ids = try await resolveHosts(hostIdentifiers)
        for label in try await resolveLabels(labels) { ids += try await fleet.store.labelMembers(id: label) }
        ids = Array(Set(ids))
        guard !ids.isEmpty else { throw HTTPError(.badRequest, message: "no targets: give host_identifiers or labels with hosts in them") }
        let campaign = try await fleet.store.createCampaign(sql: sql, hostIDs: ids, at: FleetContext.now())
        // Who ran what SQL on which hosts: the audit question a fleet-wide live query raises.
        AuditNote.current?.detail = "live query \(campaign.id) on \(ids.count) host\(ids.count == 1 ? "" : "s"): \(sql)"
        try await fleet.store.announceWork(hostIDs: ids)
        fleet.metrics.liveQueryStarted(targets: ids.count)
        fleet.logger.info("live query started", metadata: ["campaign": "\(campaign.id)", "targets": "\(ids.count)"])
        return campaign.id
    }

    struct TargetView: Encodable {
        var hostIdentifier: String
        var state: TargetState
        var rows: Int
        var error: String?
        var sentAt: Int64?
        var answeredAt: Int64?
        enum CodingKeys: String, CodingKey {
            case hostIdentifier = "host_identifier", state, rows, error, sentAt = "sent_at", answeredAt = "answered_at"
        }
    }

    struct CampaignView: Encodable {
        var id: Int64
        var sql: String
        var createdAt: Int64
        var targets: [TargetView]
        var counts: [String: Int]
        var done: Bool
        var rows: [JSONValue]
        enum CodingKeys: String, CodingKey { case id, sql, createdAt = "created_at", targets, counts, done, rows }
    }

    /// Targets with `offline` for pending or sent ones whose host has not been seen lately.
    func targetViews(_ campaignID: Int64, now: Int64) async throws -> [TargetView] {
        try await fleet.store.campaignTargets(id: campaignID).map { t in
            var state = t.state
            if (state == .pending || state == .sent) && now - t.lastSeen > fleet.options.offlineAfterSeconds { state = .offline }
            return TargetView(hostIdentifier: t.hostIdentifier, state: state, rows: t.rowCount, error: t.error, sentAt: t.sentAt, answeredAt: t.answeredAt)
        }
    }

    func campaign(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard let campaign = try await fleet.store.campaign(id: id) else { return HTTPJSON.error(.notFound, "no such live query") }
        let maxRows = Int(try Self.integer(request, "max_rows", in: 0...100_000, default: 10_000))
        // A client that follows the counts (max_targets=0) need not have every target
        // encoded: at 10,000 targets that was 2 MB of JSON per poll.
        let maxTargets = Int(try Self.integer(request, "max_targets", in: 0...100_000, default: 100_000))
        let now = FleetContext.now()
        // Counts alone are counted in the store: a poll of a query to 10,000 hosts read and
        // sorted every target (38 ms each, 20-34 polls during such a query's burst).
        let targets = maxTargets == 0 ? [] : try await targetViews(id, now: now)
        let rows = try await fleet.store.campaignRows(id: id, after: 0, limit: max(0, min(maxRows, 100_000))).map { row -> JSONValue in
            var fields = (try? WireCoding.decode(JSONValue.self, from: Data(row.columns.utf8)))?.object ?? [:]
            fields["host_identifier"] = .string(row.hostIdentifier)
            return .object(fields)
        }
        var counts: [String: Int] = [:]
        if maxTargets == 0 {
            let byState = try await fleet.store.campaignCounts(id: id, offlineBefore: now - fleet.options.offlineAfterSeconds)
            for (state, n) in byState { counts[state.rawValue] = n }
        } else {
            for t in targets { counts[t.state.rawValue, default: 0] += 1 }
        }
        let done = counts.allSatisfy { $0.key == TargetState.answered.rawValue || $0.key == TargetState.failed.rawValue }
        return HTTPJSON.response(CampaignView(id: campaign.id, sql: campaign.sql, createdAt: campaign.createdAt, targets: Array(targets.prefix(maxTargets)),
                                              counts: counts, done: done, rows: rows))
    }

    /// Server-sent events: a `target` event each time a target's state changes and a
    /// `row` event per row, until every target has answered or the client leaves (or
    /// 10 minutes pass). Read from the store, so any server on the same database can
    /// serve the stream; read again when a target's state changes (announced through the
    /// store by the server that saw it) or every `streamRecheckSeconds` (targets going
    /// offline), not polled.
    func stream(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let id = try Self.id(context)
        guard try await fleet.store.campaign(id: id) != nil else { return HTTPJSON.error(.notFound, "no such live query") }
        let fleet = self.fleet
        // A page that already shows some rows asks only for those after its last.
        let after = try Self.integer(request, "after", in: 0...Int64.max, default: 0)
        let watch = fleet.campaigns
        let body = ResponseBody { writer in
            let token = watch.open(id)
            defer { watch.close(token) }
            var lastRow = after
            var states: [String: TargetState] = [:]
            let deadline = ContinuousClock.now + .seconds(600)
            while ContinuousClock.now < deadline && !fleet.streams.isClosed {
                let targets = try await targetViews(id, now: FleetContext.now())
                var out = ""
                for t in targets where states[t.hostIdentifier] != t.state {
                    states[t.hostIdentifier] = t.state
                    out += "event: target\ndata: \(try WireCoding.encodeString(t))\n\n"
                }
                // Only the rows that arrived since the last pass.
                let rows = try await fleet.store.campaignRows(id: id, after: lastRow, limit: 10_000)
                for row in rows {
                    var fields = (try? WireCoding.decode(JSONValue.self, from: Data(row.columns.utf8)))?.object ?? [:]
                    fields["host_identifier"] = .string(row.hostIdentifier)
                    // The row's id as the event's: a page that is full points its "next rows" past it.
                    out += "event: row\nid: \(row.id)\ndata: \(try WireCoding.encodeString(JSONValue.object(fields)))\n\n"
                }
                lastRow = rows.last?.id ?? lastRow
                let done = rows.count < 10_000 && targets.allSatisfy { $0.state == .answered || $0.state == .failed }
                if done { out += "event: done\ndata: {}\n\n" }
                // Nothing new: a comment line, so that a browser that has left is noticed
                // (the write fails) rather than read for until the deadline.
                try await writer.write(ByteBuffer(string: out.isEmpty ? ": waiting\n\n" : out))
                if done { break }
                if rows.count == 10_000 { continue }
                // A stopping server wakes every stream (`CampaignWatch.close`).
                await watch.wait(token, seconds: fleet.options.streamRecheckSeconds)
                // Answers from many hosts come together: one read for a burst of them.
                await DispatchPause.seconds(0.2)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
