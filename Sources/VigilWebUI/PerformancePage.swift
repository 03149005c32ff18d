import Hummingbird
import VigilServerStore

/// Query performance: every scheduled query across the fleet with the spread of its cost
/// per run over the hosts that run it (p50, p95, p99 of wall time, CPU, memory and
/// output), costliest first. A query whose p99 is far above its median (some hosts pay
/// much more than most) or that some host denylisted is marked; its name leads to the
/// hosts where it costs most.
extension WebUI {
    /// p99 at least this many times the median, and above the floor, marks an outlier.
    static let outlierRatio = 5.0
    static let outlierFloorMs = 10.0

    func performancePage(_ visitor: Visitor) async throws -> Response {
        let now = Self.now()
        let all = try await performance.value(now: now)
            .sorted { $0.cpuTimeMs != $1.cpuTimeMs ? $0.cpuTimeMs > $1.cpuTimeMs : $0.name < $1.name }
        return Pages.html(Pages.frame("Query performance", visitor) {
            el("p", .class("hint")) {
                "Cost per run on each host (its totals divided by its runs), as percentiles over the hosts that ran the query "
                "(over a fixed sample of 5,000 of them in a larger fleet; hover a p99 for the maximum over all); "
                "costliest total CPU first; recomputed at most once a minute. "
                el("mark", .class("outlier")) { "Marked" }
                " : p99 over \(Int(Self.outlierRatio))× the median (a few hosts pay far more), or denylisted somewhere."
            }
            el("section", .class("card")) {
                if all.isEmpty { el("p", .class("hint")) { "No agent has reported its schedule's cost yet." } } else { performanceTable(all) }
            }
        })
    }

    static func isOutlier(_ p: QueryPerformance.Percentiles, floor: Double) -> Bool {
        p.p99 >= floor && p.p99 >= outlierRatio * max(p.p50, 0.001)
    }

    func performanceTable(_ all: [QueryPerformance]) -> HTML {
        el("table", .id("performance")) {
            el("thead") {
                el("tr") {
                    el("th", Attribute("scope", "col"), Attribute("rowspan", "2")) { "Query" }
                    for t in ["Hosts", "Runs", "Denylisted on", "Errors on"] { el("th", Attribute("scope", "col"), Attribute("rowspan", "2"), .class("num")) { t } }
                    for t in ["Wall time per run", "CPU per run", "Memory", "Output per run"] {
                        el("th", Attribute("scope", "colgroup"), Attribute("colspan", "3"), .class("num")) { t }
                    }
                }
                el("tr") {
                    for _ in 0..<4 { for p in ["p50", "p95", "p99"] { el("th", Attribute("scope", "col"), .class("num")) { p } } }
                }
            }
            el("tbody") {
                for q in all {
                    let marked = q.denylistedHosts > 0 || Self.isOutlier(q.wallTimeMs, floor: Self.outlierFloorMs) || Self.isOutlier(q.cpuPerRunMs, floor: Self.outlierFloorMs)
                    el("tr", attributes: marked ? [.class("outlier"), Attribute("data-query", q.name)] : [Attribute("data-query", q.name)]) {
                        el("th", Attribute("scope", "row")) {
                            el("a", .href("/performance/query?name=" + queryEscape(q.name)), Attribute("title", q.query)) { q.name }
                        }
                        el("td", attributes: [.class("num")] + (q.sampledHosts < q.hosts ? [Attribute("title", "percentiles over a sample of \(q.sampledHosts) hosts")] : [])) { "\(q.hosts)" }
                        el("td", .class("num")) { "\(q.executions)" }
                        el("td", .class(q.denylistedHosts > 0 ? "num bad" : "num")) { "\(q.denylistedHosts)" }
                        el("td", .class(q.hostsWithErrors > 0 ? "num bad" : "num")) { "\(q.hostsWithErrors)" }
                        spread(q.wallTimeMs, floor: Self.outlierFloorMs) { Format.number($0) + " ms" }
                        spread(q.cpuPerRunMs, floor: Self.outlierFloorMs) { Format.number($0) + " ms" }
                        spread(q.memoryBytes, floor: .infinity) { Format.bytes(Int64($0)) }
                        spread(q.outputBytes, floor: .infinity) { Format.bytes(Int64($0)) }
                    }
                }
            }
        }
    }

    /// Three cells; the p99 is marked when it stands out from the median.
    func spread(_ p: QueryPerformance.Percentiles, floor: Double, _ text: (Double) -> String) -> HTML {
        let out = Self.isOutlier(p, floor: floor)
        return HTML(kind: .group([
            el("td", .class("num")) { text(p.p50) },
            el("td", .class("num")) { text(p.p95) },
            el("td", attributes: [.class(out ? "num bad" : "num"), Attribute("title", (out ? "over \(Int(Self.outlierRatio))× the median; " : "") + "max " + text(p.max))]) { text(p.p99) },
        ]))
    }

    /// One query's costliest hosts, by the cost the visitor picks (cached as the sums are).
    func queryHostsPage(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let q = Form(request.uri.query ?? "")
        let name = String((q["name"] ?? "").prefix(128))
        let order = q["order"].flatMap(QueryCostOrder.init(rawValue:)) ?? .wall
        let now = Self.now()
        let rows = try await queryHosts.value(QueryHostsKey(name: name, order: order), now: now)
        if rows.isEmpty, try await !performance.value(now: now).contains(where: { $0.name == name }) {
            throw HTTPError(.notFound, message: "no host has reported a scheduled query named \(name)")
        }
        let titles: [(QueryCostOrder, String)] = [(.wall, "wall time"), (.cpu, "CPU"), (.memory, "memory"), (.output, "output")]
        return Pages.html(Pages.frame("Where \(name) costs most", visitor) {
            el("p") { el("a", .href("/performance")) { "← All queries" } }
            if let sql = rows.first?.stats.query { el("pre", .class("sql")) { sql } }
            el("nav", .class("ranges"), Attribute("aria-label", "Order by")) {
                "By: "
                for (o, title) in titles {
                    if o == order { el("strong", Attribute("aria-current", "page")) { title } } else {
                        el("a", .href("/performance/query?name=\(queryEscape(name))&order=\(o.rawValue)")) { title }
                    }
                }
            }
            el("section", .class("card")) {
                el("table", .id("query-hosts")) {
                    el("thead") {
                        el("tr") {
                            el("th", Attribute("scope", "col")) { "Host" }
                            for t in ["Runs", "Wall per run", "CPU per run", "Memory", "Output per run", "Errors"] { el("th", Attribute("scope", "col"), .class("num")) { t } }
                            el("th", Attribute("scope", "col")) { "Denylisted" }
                        }
                    }
                    el("tbody") {
                        for (host, s) in rows {
                            let runs = Double(max(1, s.executions))
                            el("tr") {
                                el("td") { el("a", .href("/hosts/\(host.id)")) { Self.displayName(host) }; " "; statusBadge(host, now: now) }
                                el("td", .class("num")) { "\(s.executions)" }
                                el("td", .class("num")) { Format.number(Double(s.wallTimeMs) / runs) + " ms" }
                                el("td", .class("num")) { Format.number(Double(s.userTimeMs + s.systemTimeMs) / runs) + " ms" }
                                el("td", .class("num")) { Format.bytes(s.averageMemory) }
                                el("td", .class("num")) { Format.bytes(Int64(Double(s.outputSize) / runs)) }
                                el("td", .class("num")) { "\(s.errors)" }
                                el("td") { s.denylisted ? "yes" : "no" }
                            }
                        }
                    }
                }
            }
        })
    }
}

/// A drill-down's cache key: the query's name and the order picked.
struct QueryHostsKey: Hashable, Sendable {
    let name: String
    let order: QueryCostOrder
}
