import Foundation
import Hummingbird
import VigilServerStore

/// The fleet at a glance: hosts online and offline, the scheduled queries that cost the
/// fleet most CPU, the watchdog's latest kills, the newest hosts and live queries.
extension WebUI {
    func dashboard(_ visitor: Visitor) async throws -> Response {
        let now = Self.now()
        let counts = try await store.hostCounts(seenSince: now - fleet.offlineAfterSeconds)
        let costly = try await costliest.value(now: now) { try await store.costliestQueries(limit: 10) }
        let kills = try await store.recentWatchdog(limit: 10)
        let newest = try await store.hostPage(HostPageQuery(sort: .enrolled, descending: true, limit: 5)).hosts
        let campaigns = try await store.recentCampaigns(limit: 5)
        return Pages.html(Pages.frame("Dashboard", visitor) {
            el("section", .class("tiles"), Attribute("aria-label", "Hosts")) {
                tile("Online", counts.online, link: "/hosts?status=online", kind: "online")
                tile("Offline", counts.total - counts.online, link: "/hosts?status=offline", kind: "offline")
                tile("All hosts", counts.total, link: "/hosts", kind: "")
            }
            el("section", .class("card")) {
                el("h2") { "Costliest scheduled queries" }
                el("p", .class("hint")) { "CPU time summed over every host that runs the query (updated each minute)." }
                costTable(costly)
            }
            el("section", .class("card")) {
                el("h2") { "Recent watchdog events" }
                watchdogList(kills, now: now)
            }
            el("section", .class("card")) {
                el("h2") { "Newest hosts" }
                el("ul", .class("plain")) {
                    for host in newest {
                        el("li") {
                            el("a", .href("/hosts/\(host.id)")) { Self.displayName(host) }
                            " enrolled \(Format.ago(host.enrolledAt, now: now))"
                        }
                    }
                }
            }
            el("section", .class("card")) {
                el("h2") { "Recent live queries" }
                campaignList(campaigns, now: now)
            }
        })
    }

    func tile(_ title: String, _ count: Int, link: String, kind: String) -> HTML {
        el("a", .href(link), .class("tile \(kind)")) {
            el("span", .class("count")) { "\(count)" }
            el("span") { title }
        }
    }

    func costTable(_ costs: [ScheduledQueryCost]) -> HTML {
        guard !costs.isEmpty else { return el("p", .class("hint")) { "No agent has reported its schedule's cost yet." } }
        return el("table") {
            el("thead") {
                el("tr") {
                    el("th", Attribute("scope", "col")) { "Query" }
                    el("th", Attribute("scope", "col"), .class("num")) { "Hosts" }
                    el("th", Attribute("scope", "col"), .class("num")) { "Executions" }
                    el("th", Attribute("scope", "col"), .class("num")) { "CPU time" }
                    el("th", Attribute("scope", "col"), .class("num")) { "CPU per run" }
                    el("th", Attribute("scope", "col"), .class("num")) { "Denylisted on" }
                }
            }
            el("tbody") {
                for c in costs {
                    el("tr") {
                        el("td") { el("span", Attribute("title", c.query)) { c.name } }
                        el("td", .class("num")) { "\(c.hosts)" }
                        el("td", .class("num")) { "\(c.executions)" }
                        el("td", .class("num")) { "\(c.cpuTimeMs) ms" }
                        el("td", .class("num")) { c.executions > 0 ? Format.number(Double(c.cpuTimeMs) / Double(c.executions)) + " ms" : "–" }
                        el("td", .class("num")) { "\(c.denylistedHosts)" }
                    }
                }
            }
        }
    }

    func watchdogList(_ events: [WatchdogRecord], now: Int64) -> HTML {
        guard !events.isEmpty else { return el("p", .class("hint")) { "No watchdog events: no agent went over its limits." } }
        return el("ul", .class("plain")) {
            for e in events {
                el("li") {
                    el("a", .href("/hosts/\(e.hostID)")) { e.hostname.isEmpty ? "host \(e.hostID)" : e.hostname }
                    " \(Format.ago(e.time, now: now)): "
                    el("code") { Self.describeWatchdog(e.event) }
                }
            }
        }
    }

    /// A watchdog event (the agent's vigil_watchdog row, JSON) as one line of text.
    static func describeWatchdog(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return json }
        return object.keys.sorted().map { "\($0)=\(object[$0].map { "\($0)" } ?? "")" }.joined(separator: " ")
    }

    func campaignList(_ campaigns: [(campaign: Campaign, targets: Int)], now: Int64) -> HTML {
        guard !campaigns.isEmpty else { return el("p", .class("hint")) { "No live queries yet." } }
        return el("ul", .class("plain")) {
            for (c, targets) in campaigns {
                el("li") {
                    el("a", .href("/live/\(c.id)")) { el("code") { String(c.sql.prefix(120)) } }
                    " on \(targets) host\(targets == 1 ? "" : "s"), \(Format.ago(c.createdAt, now: now))"
                }
            }
        }
    }

    static func displayName(_ host: HostRecord) -> String {
        host.hostname.isEmpty ? host.hostIdentifier : host.hostname
    }
}
