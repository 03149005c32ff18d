import Foundation
import Hummingbird
import VigilServerStore

/// The fleet at a glance: hosts online and offline, enrollments over 30 days, the
/// scheduled queries that cost the fleet most CPU, the watchdog's latest kills, event and
/// output losses, this server's own CPU and memory, the newest hosts and live queries.
extension WebUI {
    func dashboard(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let now = Self.now()
        // The server keeps a week of its own samples: an hour or a day is charted.
        let range = Self.chartRanges.prefix(2).first { $0.key == request.uri.queryParameters.get("range") } ?? Self.chartRanges[0]
        let samples = try await store.serverSamples(server: fleet.serverName, since: now - range.seconds)
        let enrolled = try await enrollments.value(now: now)
        let losses = try await self.losses.value(now: now)
        let counts = try await store.hostCounts(seenSince: now - fleet.offlineAfterSeconds)
        let costly = try await costliest.value(now: now)
        let kills = try await store.recentWatchdog(limit: 10)
        let newest = try await store.hostPage(HostPageQuery(sort: .enrolled, descending: true, limit: 5)).hosts
        let campaigns = try await store.recentCampaigns(limit: 5)
        let serverProfiles = try await store.serverProfiles(server: fleet.serverName)
        return Pages.html(Pages.frame("Dashboard", visitor) {
            el("section", .class("tiles"), Attribute("aria-label", "Hosts")) {
                tile("Online", counts.online, link: "/hosts?status=online", kind: "online")
                tile("Offline", counts.total - counts.online, link: "/hosts?status=offline", kind: "offline")
                tile("All hosts", counts.total, link: "/hosts", kind: "all")
            }
            // Keeps the counts current.
            el("script", Attribute("src", "/static/status.js"), Attribute("defer", nil))
            el("section", .class("card"), .id("enrolled")) {
                el("h2") { "Enrolled hosts, last 30 days" }
                el("p", .class("hint")) { "Hosts enrolled and not forgotten, by the day of their latest enrollment (updated each minute)." }
                enrollmentChart(enrolled, now: now)
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
            el("section", .class("card"), .id("losses")) {
                el("h2") { "Event and output losses" }
                lossList(losses, now: now)
            }
            el("section", .class("card"), .id("server")) {
                el("h2") { "This server's cost, \(range.title)" }
                el("p", .class("hint")) { "\(fleet.serverName), sampled every 10 s from /proc (each server sharing the database shows its own)." }
                el("nav", .class("ranges"), Attribute("aria-label", "Server chart span")) {
                    for r in Self.chartRanges.prefix(2) {
                        if r.key == range.key { el("strong", Attribute("aria-current", "page")) { r.title } } else {
                            el("a", .href("/?range=\(r.key)#server")) { r.title }
                        }
                    }
                }
                el("div", .class("charts")) {
                    chart("Server CPU (% of one core)", "%", samples.map { ($0.time, $0.cpuPercent) }, from: now - range.seconds, to: now)
                    chart("Server memory (resident, MiB)", "MiB", samples.map { ($0.time, Double($0.residentBytes) / 1_048_576) }, from: now - range.seconds, to: now)
                }
                serverProfileSection(serverProfiles, visitor, now: now)
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

    /// Hosts enrolled (and not forgotten) at the end of each day: a re-enrolled host counts
    /// from its latest enrollment.
    func enrollmentChart(_ e: (before: Int, buckets: [(time: Int64, hosts: Int)]), now: Int64) -> HTML {
        var total = e.before
        var points: [(time: Int64, value: Double)] = []
        for b in e.buckets {
            total += b.hosts
            points.append((min(now, b.time + 86_399), Double(total)))
        }
        if !points.isEmpty || total > 0 { points.append((now, Double(total))) }
        var chart = Chart(title: "Hosts enrolled", unit: "hosts", points: points, from: now - 30 * 86_400, to: now, gapSeconds: 31 * 86_400)
        chart.singular = "host"
        chart.empty = "no hosts enrolled"
        return chart.render()
    }

    func lossList(_ l: (eventsLost: Int64, outputsDropped: Int64, hosts: [HostLosses]), now: Int64) -> HTML {
        el("div") {
            el("p") { "Events lost (kernel ring buffer full, or store full): \(l.eventsLost); result records dropped by outputs: \(l.outputsDropped); as each host last reported (since its worker started; updated each minute)." }
            if l.hosts.isEmpty { el("p", .class("hint")) { "No host reports losses." } } else {
              el("table", .id("loss-hosts")) {
                el("thead") {
                    el("tr") {
                        el("th", Attribute("scope", "col")) { "Host" }
                        el("th", Attribute("scope", "col"), .class("num")) { "Events lost" }
                        el("th", Attribute("scope", "col"), .class("num")) { "Records dropped" }
                        el("th", Attribute("scope", "col")) { "Reported" }
                    }
                }
                el("tbody") {
                    for h in l.hosts {
                        el("tr") {
                            el("td") { el("a", .href("/hosts/\(h.hostID)")) { h.hostname.isEmpty ? h.hostIdentifier : h.hostname } }
                            el("td", .class(h.eventsLost > 0 ? "num bad" : "num")) { "\(h.eventsLost)" }
                            el("td", .class(h.outputsDropped > 0 ? "num bad" : "num")) { "\(h.outputsDropped)" }
                            el("td") { Format.ago(h.reportedAt, now: now) }
                        }
                    }
                }
              }
            }
        }
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
