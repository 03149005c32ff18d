import Hummingbird
import VigilServerStore

/// Hosts: search, filters by status and label, sort and paging, all done by the store
/// (LIMIT/OFFSET on indexes), so the page costs the same at 100 hosts or 100,000.
extension WebUI {
    static let hostsPerPage = 50

    /// The hosts page's query string, read leniently: an unknown value is the default.
    struct HostFilter: Sendable {
        var search = ""
        var status = ""
        var label = ""
        var os = ""
        var sort = HostSort.hostname
        var descending = false
        var page = 0

        init(_ request: Request) {
            // Decoded as a form: a browser's GET form writes a space as `+`.
            let q = Form(request.uri.query ?? "")
            search = String(q["q"]?.prefix(200) ?? "")
            status = ["online", "offline"].contains(q["status"] ?? "") ? q["status"]! : ""
            label = String(q["label"]?.prefix(128) ?? "")
            os = String(q["os"]?.prefix(256) ?? "")
            sort = q["sort"].flatMap(HostSort.init(rawValue:)) ?? .hostname
            descending = q["order"] == "desc"
            page = max(0, min(q["page"].flatMap { Int($0) } ?? 0, 1_000_000))
        }

        /// This filter's link, on another page.
        func link(page: Int) -> String {
            var parts = ["page=\(page)", "sort=\(sort.rawValue)", "order=\(descending ? "desc" : "asc")"]
            if !search.isEmpty { parts.append("q=" + queryEscape(search)) }
            if !status.isEmpty { parts.append("status=" + status) }
            if !label.isEmpty { parts.append("label=" + queryEscape(label)) }
            if !os.isEmpty { parts.append("os=" + queryEscape(os)) }
            return "/hosts?" + parts.joined(separator: "&")
        }
    }

    func hostsPage(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let filter = HostFilter(request)
        let now = Self.now(), threshold = now - fleet.offlineAfterSeconds
        let labels = try await store.labels()
        let systems = try await osNames.value(now: now)
        var query = HostPageQuery(search: filter.search, osName: filter.os.isEmpty ? nil : filter.os, sort: filter.sort, descending: filter.descending,
                                  limit: Self.hostsPerPage, offset: filter.page * Self.hostsPerPage)
        if filter.status == "online" { query.seenSince = threshold }
        if filter.status == "offline" { query.notSeenSince = threshold }
        var unknownLabel = false
        if !filter.label.isEmpty {
            if let label = labels.first(where: { $0.name == filter.label }) { query.labelID = label.id } else { unknownLabel = true }
        }
        let (hosts, total) = unknownLabel ? ([], 0) : try await store.hostPage(query)
        return Pages.html(Pages.frame("Hosts", visitor) {
            filterForm(filter, labels: labels, systems: systems)
            Pages.notice(unknownLabel ? "There is no label named \(filter.label)." : nil)
            el("p", .class("hint"), Attribute("role", "status")) {
                total == 0 ? "No hosts match." : "Hosts \(query.offset + 1)–\(query.offset + hosts.count) of \(total)"
            }
            hostTable(hosts, now: now)
            pager(filter, total: total)
            // Keeps the rows' status current.
            el("script", Attribute("src", "/static/status.js"), Attribute("defer", nil))
        })
    }

    func filterForm(_ f: HostFilter, labels: [LabelRecord], systems: [(name: String, hosts: Int)]) -> HTML {
        el("form", Attribute("method", "get"), Attribute("action", "/hosts"), .class("filters"), Attribute("role", "search")) {
            el("div") {
                el("label", .for("q")) { "Search" }
                void("input", .id("q"), .name("q"), .type("search"), .value(f.search), Attribute("placeholder", "name, identifier or UUID"))
            }
            el("div") {
                el("label", .for("status")) { "Status" }
                select("status", selected: f.status, [("", "Any"), ("online", "Online"), ("offline", "Offline")])
            }
            el("div") {
                el("label", .for("label")) { "Label" }
                select("label", selected: f.label, [("", "Any")] + labels.map { ($0.name, "\($0.name) (\($0.hosts))") })
            }
            el("div") {
                el("label", .for("os")) { "Operating system" }
                select("os", selected: f.os, [("", "Any")] + systems.filter { !$0.name.isEmpty }.map { ($0.name, "\($0.name) (\($0.hosts))") })
            }
            el("div") {
                el("label", .for("sort")) { "Sort by" }
                select("sort", selected: f.sort.rawValue, [("hostname", "Host name"), ("last_seen", "Last seen"), ("os", "Operating system"), ("enrolled", "Enrolled")])
            }
            el("div") {
                el("label", .for("order")) { "Order" }
                select("order", selected: f.descending ? "desc" : "asc", [("asc", "Ascending"), ("desc", "Descending")])
            }
            el("button", .type("submit")) { "Show" }
        }
    }

    func select(_ name: String, selected: String, _ options: [(value: String, label: String)]) -> HTML {
        el("select", .id(name), .name(name)) {
            for o in options {
                el("option", attributes: o.value == selected ? [.value(o.value), .selected] : [.value(o.value)]) { o.label }
            }
        }
    }

    func hostTable(_ hosts: [HostRecord], now: Int64) -> HTML {
        el("table", .id("hosts")) {
            el("thead") {
                el("tr") {
                    for title in ["Host", "Status", "Operating system", "Agent", "Last seen"] { el("th", Attribute("scope", "col")) { title } }
                }
            }
            el("tbody") {
                for h in hosts {
                    el("tr", Attribute("data-host", "\(h.id)")) {
                        el("td") {
                            el("a", .href("/hosts/\(h.id)")) { Self.displayName(h) }
                            if h.hostIdentifier != h.hostname { el("div", .class("hint")) { h.hostIdentifier } }
                        }
                        el("td") { statusBadge(h, now: now) }
                        el("td") { "\(h.osName) \(h.osVersion)" }
                        el("td") { "\(h.agent) \(h.agentVersion)" }
                        el("td") { el("span", Attribute("title", Format.time(h.lastSeen))) { Format.ago(h.lastSeen, now: now) } }
                    }
                }
            }
        }
    }

    func statusBadge(_ h: HostRecord, now: Int64) -> HTML {
        let online = now - h.lastSeen <= fleet.offlineAfterSeconds
        return el("span", .class(online ? "badge online" : "badge offline")) { online ? "online" : "offline" }
    }

    func pager(_ f: HostFilter, total: Int) -> HTML {
        let last = max(0, (total - 1) / Self.hostsPerPage)
        return el("nav", .class("pager"), Attribute("aria-label", "Pages")) {
            if f.page > 0 { el("a", .href(f.link(page: f.page - 1)), Attribute("rel", "prev")) { "← Previous" } }
            el("span") { "Page \(f.page + 1) of \(last + 1)" }
            if f.page < last { el("a", .href(f.link(page: f.page + 1)), Attribute("rel", "next")) { "Next →" } }
        }
    }
}
