import Hummingbird
import VigilServerStore

/// One host: what it is, its labels, the agent's own CPU and memory over the last hour
/// (from its 10 s telemetry), what each scheduled query costs it, and the two actions an
/// admin takes from here: a live query on this host and a profile of its agent.
extension WebUI {
    /// The spans the charts can show: 10 s points for a day, 5-minute averages for 30.
    static let chartRanges: [(key: String, title: String, seconds: Int64)] = [("1h", "last hour", 3600), ("24h", "last 24 hours", 86_400), ("30d", "last 30 days", 30 * 86_400)]

    func hostPage(_ id: Int64, _ request: Request, _ visitor: Visitor) async throws -> Response {
        guard let host = try await store.host(id: id) else { throw HTTPError(.notFound, message: "no host \(id)") }
        let now = Self.now()
        let range = Self.chartRanges.first { $0.key == request.uri.queryParameters.get("range") } ?? Self.chartRanges[0]
        let labelIDs = Set(try await store.labelIDs(hostID: id))
        let labels = try await store.labels().filter { labelIDs.contains($0.id) }
        let points = try await store.telemetry(hostID: id, since: now - range.seconds)
        let schedule = try await store.hostSchedule(hostID: id)
        let watchdog = try await store.hostWatchdog(hostID: id, limit: 10)
        let profiles = try await store.profiles(hostID: id)
        let extras = try await store.hostExtras(id: id)
        return Pages.html(Pages.frame(Self.displayName(host), visitor) {
            el("p") { statusBadge(host, now: now); " last seen \(Format.ago(host.lastSeen, now: now))" }
            details(host, uptime: extras?.uptimeSeconds ?? 0, labels: labels)
            el("section", .class("card"), .id("cost")) {
                el("h2") { "The agent's cost, \(range.title)" }
                el("nav", .class("ranges"), Attribute("aria-label", "Chart span")) {
                    for r in Self.chartRanges {
                        if r.key == range.key { el("strong", Attribute("aria-current", "page")) { r.title } } else {
                            el("a", .href("/hosts/\(id)?range=\(r.key)#cost")) { r.title }
                        }
                    }
                }
                el("div", .class("charts")) {
                    chart("CPU (% of one core)", "%", points.map { ($0.time, $0.cpuPercent) }, from: now - range.seconds, to: now)
                    chart("Memory (resident, MiB)", "MiB", points.map { ($0.time, Double($0.residentBytes) / 1_048_576) }, from: now - range.seconds, to: now)
                }
                scheduleTable(schedule)
            }
            el("section", .class("card")) {
                el("h2") { "Watchdog events" }
                if watchdog.isEmpty { el("p", .class("hint")) { "None." } }
                el("ul", .class("plain")) { for e in watchdog { el("li") { el("code") { Self.describeWatchdog(e) } } } }
            }
            queryForm(host, visitor)
            profileSection(host, profiles, visitor, now: now)
        })
    }

    /// A chart of at most 360 points (a day of 10 s points averaged to 4-minute ones).
    func chart(_ title: String, _ unit: String, _ points: [(time: Int64, value: Double)], from: Int64, to: Int64) -> HTML {
        let (drawn, gap) = Chart.downsample(points, from: from, to: to, count: 360)
        return Chart(title: title, unit: unit, points: drawn, from: from, to: to, gapSeconds: gap).render()
    }

    func details(_ h: HostRecord, uptime: Int64, labels: [LabelRecord]) -> HTML {
        let rows: [(String, String)] = [
            ("Host identifier", h.hostIdentifier), ("Host name", h.hostname), ("UUID", h.uuid),
            ("Operating system", "\(h.osName) \(h.osVersion)"), ("Platform", h.platform), ("Agent", "\(h.agent) \(h.agentVersion)"),
            ("CPU", h.cpuBrand), ("Memory", h.physicalMemory > 0 ? Format.bytes(h.physicalMemory) : "unknown"),
            ("Uptime", uptime > 0 ? "\(uptime / 86400) d \(uptime % 86400 / 3600) h \(uptime % 3600 / 60) min" : "unknown"),
            ("Enrolled", Format.time(h.enrolledAt)), ("Last seen", Format.time(h.lastSeen)),
        ]
        return el("section", .class("card")) {
            el("h2") { "Details" }
            el("dl", .class("details")) {
                for (term, value) in rows {
                    el("dt") { term }
                    el("dd") { value.isEmpty ? "–" : value }
                }
                el("dt") { "Labels" }
                el("dd") {
                    if labels.isEmpty { "none" }
                    for label in labels { el("a", .href("/hosts?label=" + queryEscape(label.name)), .class("tag")) { label.name } }
                }
            }
        }
    }

    func scheduleTable(_ schedule: [HostQueryStats]) -> HTML {
        guard !schedule.isEmpty else { return el("p", .class("hint")) { "The agent has reported no scheduled queries." } }
        return el("table", .id("schedule")) {
            el("caption") { "Scheduled queries: cost per run, since the agent's state began" }
            el("thead") {
                el("tr") {
                    el("th", Attribute("scope", "col")) { "Query" }
                    for title in ["Interval", "Runs", "Wall time", "CPU time", "Memory", "Output", "Errors"] {
                        el("th", Attribute("scope", "col"), .class("num")) { title }
                    }
                    el("th", Attribute("scope", "col")) { "Denylisted" }
                }
            }
            el("tbody") {
                for q in schedule { scheduleRow(q) }
            }
        }
    }

    func scheduleRow(_ q: HostQueryStats) -> HTML {
        let runs = q.executions
        // Not run yet: no cost per run to show.
        func per(_ text: @autoclosure () -> String) -> String { runs > 0 ? text() : "–" }
        return el("tr") {
            el("td") { el("span", Attribute("title", q.query)) { q.name } }
            el("td", .class("num")) { "\(q.interval) s" }
            el("td", .class("num")) { "\(q.executions)" }
            el("td", .class("num")) { per(Format.number(Double(q.wallTimeMs) / Double(runs)) + " ms") }
            el("td", .class("num")) { per(Format.number(Double(q.userTimeMs + q.systemTimeMs) / Double(runs)) + " ms") }
            el("td", .class("num")) { per(Format.bytes(q.averageMemory)) }
            el("td", .class("num")) { per(Format.bytes(q.outputSize / max(1, runs))) }
            el("td", .class("num")) { "\(q.errors)" }
            el("td") { q.denylisted ? "yes" : "no" }
        }
    }

    func queryForm(_ host: HostRecord, _ visitor: Visitor) -> HTML {
        el("section", .class("card"), .id("run")) {
            el("h2") { "Run a query on this host" }
            if visitor.isAdmin {
                el("form", Attribute("method", "post"), Attribute("action", "/hosts/\(host.id)/query")) {
                    Pages.csrfField(visitor)
                    sqlEditor("SELECT pid, name, resident_size FROM processes ORDER BY resident_size DESC LIMIT 10", rows: 3)
                    el("button", .type("submit")) { "Run on this host" }
                }
            } else {
                el("p", .class("hint")) { "Observers cannot run queries." }
            }
        }
    }

    func runOnHost(_ id: Int64, _ form: Form, _ visitor: Visitor) async throws -> Response {
        guard let host = try await store.host(id: id) else { throw HTTPError(.notFound, message: "no host \(id)") }
        let campaign = try await fleet.startLiveQuery(sql: form["sql"] ?? "", hostIdentifiers: [host.hostIdentifier], labels: [])
        return Response.redirect(to: "/live/\(campaign)")
    }
}
