import Foundation
import Hummingbird
import VigilServerStore
import VigilWire

/// Live queries: the form, the campaign page (targets and rows as stored; live.js then
/// follows the API's event stream and appends what arrives), and exports.
extension WebUI {
    /// Rows drawn in the page itself; the rest are in the exports.
    static let rowsInPage = 1000

    func liveForm(_ visitor: Visitor, form: Form?, error: String?) async throws -> Response {
        let campaigns = try await store.recentCampaigns(limit: 20)
        let labels = try await store.labels()
        let chosen = Set(form?.all("labels") ?? [])
        return Pages.html(Pages.frame("Live query", visitor) {
            Pages.notice(error)
            if visitor.isAdmin {
                el("form", Attribute("method", "post"), Attribute("action", "/live"), .class("card")) {
                    Pages.csrfField(visitor)
                    sqlEditor(form?["sql"] ?? "SELECT pid, name FROM processes WHERE pid = 1", rows: 5)
                    el("label", .for("hosts")) { "Host identifiers (one per line)" }
                    el("textarea", .id("hosts"), .name("hosts"), Attribute("rows", "2"), Attribute("spellcheck", "false")) { form?["hosts"] ?? "" }
                    if labels.isEmpty {
                        el("p", .class("hint")) { "No labels yet: name hosts above." }
                    } else {
                        el("label", .for("labels")) { "Labels (every host in them)" }
                        el("select", .id("labels"), .name("labels"), Attribute("multiple", nil), Attribute("size", "\(min(6, max(2, labels.count)))")) {
                            for l in labels {
                                el("option", attributes: chosen.contains(l.name) ? [.value(l.name), .selected] : [.value(l.name)]) { "\(l.name) (\(l.hosts))" }
                            }
                        }
                    }
                    el("button", .type("submit")) { "Run" }
                }
            } else {
                el("p", .class("hint")) { "Observers cannot run queries; past ones are below." }
            }
            el("section", .class("card")) {
                el("h2") { "Past live queries" }
                campaignList(campaigns, now: Self.now())
            }
        }, status: error == nil ? .ok : .badRequest)
    }

    func startLive(_ form: Form, _ visitor: Visitor) async throws -> Response {
        // One a line: an identifier may hold spaces or commas (osquery's can be any string).
        let hosts = (form["hosts"] ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        do {
            let id = try await fleet.startLiveQuery(sql: form["sql"] ?? "", hostIdentifiers: hosts, labels: form.all("labels"))
            return Response.redirect(to: "/live/\(id)")
        } catch let error as HTTPError {
            return try await liveForm(visitor, form: form, error: error.body ?? "\(error.status)")
        }
    }

    /// A campaign's targets with `offline` for those still waiting on a host not seen lately.
    func targets(_ id: Int64, now: Int64) async throws -> [CampaignTarget] {
        try await store.campaignTargets(id: id).map { t in
            var t = t
            if (t.state == .pending || t.state == .sent) && now - t.lastSeen > fleet.offlineAfterSeconds { t.state = .offline }
            return t
        }
    }

    /// A live query's page: its targets, and its rows a thousand at a time (keyset paging
    /// on the row id: `?after=ROW`), so a query answered with 100,000 rows still renders
    /// in milliseconds. The script adds rows as they arrive until the page is full.
    func campaignPage(_ id: Int64, _ request: Request, _ visitor: Visitor) async throws -> Response {
        guard let campaign = try await store.campaign(id: id) else { throw HTTPError(.notFound, message: "no live query \(id)") }
        let after = max(0, request.uri.queryParameters.get("after").flatMap { Int64($0) } ?? 0)
        let targets = try await targets(id, now: Self.now())
        let rows = try await store.campaignRows(id: id, after: after, limit: Self.rowsInPage)
        let table = ResultTable(rows)
        let done = targets.allSatisfy { $0.state == .answered || $0.state == .failed }
        let total = targets.reduce(0) { $0 + $1.rowCount }
        var counts: [TargetState: Int] = [:]
        for t in targets { counts[t.state, default: 0] += 1 }
        return Pages.html(Pages.frame("Live query \(id)", visitor) {
            el("pre", .class("sql")) { campaign.sql }
            el("p", .id("progress"), Attribute("role", "status")) {
                [TargetState.pending, .sent, .answered, .failed, .offline].compactMap { s in counts[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
                done ? " · every host has answered" : " · waiting for hosts"
            }
            el("p") {
                el("a", .href("/live/\(id)/results.csv")) { "Download CSV" }
                " · "
                el("a", .href("/live/\(id)/results.json")) { "Download JSON" }
            }
            targetTable(targets)
            el("section", .class("card")) {
                el("h2") { "Rows" }
                el("p", .class("hint"), .id("rows-note")) {
                    "\(total) row\(total == 1 ? "" : "s") in all; "
                    after == 0 ? "the first \(Self.rowsInPage) are shown here, the downloads have them all." : "\(Self.rowsInPage) a page, after row \(after)."
                }
                table.render(campaign: id, done: done, lastRow: rows.last?.id ?? after, room: Self.rowsInPage - rows.count)
                el("nav", .class("pager"), Attribute("aria-label", "Row pages")) {
                    if after > 0 { el("a", .href("/live/\(id)"), Attribute("rel", "first")) { "← First rows" } }
                    // Shown by live.js too when rows arrive past a full page.
                    el("a", attributes: [.href("/live/\(id)?after=\(rows.last?.id ?? after)"), Attribute("rel", "next"), .id("next-rows")]
                        + (rows.count < Self.rowsInPage ? [Attribute("hidden", nil)] : [])) { "Next rows →" }
                }
            }
            el("script", Attribute("src", "/static/live.js"), Attribute("defer", nil))
        })
    }

    func targetTable(_ targets: [CampaignTarget]) -> HTML {
        el("section", .class("card")) {
          el("h2") { "Targets" }
          el("table", .id("targets")) {
            el("thead") {
                el("tr") {
                    el("th", Attribute("scope", "col")) { "Host" }
                    el("th", Attribute("scope", "col")) { "State" }
                    el("th", Attribute("scope", "col"), .class("num")) { "Rows" }
                    el("th", Attribute("scope", "col")) { "Error" }
                }
            }
            el("tbody") {
                for t in targets {
                    el("tr", Attribute("data-host", t.hostIdentifier)) {
                        el("td") { el("a", .href("/hosts/\(t.hostID)")) { t.hostIdentifier } }
                        el("td", .class("state \(t.state.rawValue)")) { t.state.rawValue }
                        el("td", .class("num")) { "\(t.rowCount)" }
                        el("td") { t.error ?? "" }
                    }
                }
            }
          }
        }
    }

    func export(_ id: Int64, csv: Bool) async throws -> Response {
        guard try await store.campaign(id: id) != nil else { throw HTTPError(.notFound, message: "no live query \(id)") }
        let rows = try await store.campaignRows(id: id, after: 0, limit: 1_000_000)
        let table = ResultTable(rows)
        var headers = HTTPFields()
        headers[.contentDisposition] = "attachment; filename=\"vigil-live-query-\(id).\(csv ? "csv" : "json")\""
        headers[.contentType] = csv ? "text/csv; charset=utf-8" : "application/json"
        let body = csv ? table.csv() : try WireCoding.encodeString(table.objects())
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
