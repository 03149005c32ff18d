import Hummingbird
import VigilServerStore

/// Two profiles of one host side by side: the functions whose share of the samples grew
/// or shrank most, as a sorted table (grown in red, shrunk in blue, as in a differential
/// flame graph), computed by the server from the two pprof files.
extension WebUI {
    static let comparedFunctions = 50

    /// The host page's (and the dashboard's, for the server) form: pick two done profiles.
    func compareForm(_ profiles: [ProfileRecord]) -> HTML {
        let done = profiles.filter { $0.state == .done }
        guard done.count >= 2 else { return .empty }
        let options = done.map { (value: "\($0.id)", label: "#\($0.id), \(Format.time($0.doneAt ?? $0.requestedAt))") }
        return el("form", Attribute("method", "get"), Attribute("action", "/profiles/compare"), .class("filters"), .id("compare")) {
            el("div") {
                el("label", .for("before")) { "Before" }
                select("before", selected: options[1].value, options)
            }
            el("div") {
                el("label", .for("after")) { "After" }
                select("after", selected: options[0].value, options)
            }
            el("button", .type("submit")) { "Compare" }
        }
    }

    func comparePage(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let q = Form(request.uri.query ?? "")
        guard let before = q["before"].flatMap({ Int64($0) }), let after = q["after"].flatMap({ Int64($0) }) else {
            throw HTTPError(.badRequest, message: "give two profiles to compare: before=ID&after=ID")
        }
        let c = try await fleet.compareProfiles(before: before, after: after, limit: Self.comparedFunctions)
        let host = c.before.server == nil ? try await store.host(id: c.hostID) : nil
        func pct(_ v: Double) -> String { Format.number(v, digits: 2) + " %" }
        func delta(_ v: Double) -> String { (v > 0 ? "+" : v < 0 ? "−" : "±") + Format.number(abs(v), digits: 2) }
        return Pages.html(Pages.frame("Profile \(before) → \(after)", visitor) {
            el("p") {
                if let server = c.before.server {
                    el("a", .href("/#server-profile")) { "server \(server)" }
                } else {
                    el("a", .href("/hosts/\(c.hostID)#profiles")) { host.map(Self.displayName) ?? "host \(c.hostID)" }
                }
                ": \(c.samplesBefore) samples (\(Format.time(c.before.doneAt ?? c.before.requestedAt))) against \(c.samplesAfter) (\(Format.time(c.after.doneAt ?? c.after.requestedAt)))."
            }
            el("p", .class("hint")) {
                "Each function's share of all samples: total (anywhere on the stack) and self (at its top). The \(Self.comparedFunctions) largest changes of total share first; "
                "grown in red, shrunk in blue."
            }
            el("figure", .class("flame")) {
                void("img", Attribute("src", "/api/v1/profiles/\(after)/svg?baseline=\(before)"),
                     Attribute("alt", "Differential flame graph of profile \(after) against \(before)"))
                el("figcaption") {
                    "Profile \(after) drawn as a flame graph, each frame coloured by how its share of the samples changed since profile \(before): "
                    "red grew, blue shrank, the deeper the more (frames only in \(before) are not drawn)."
                }
            }
            el("section", .class("card")) {
                el("table", .id("profile-diff")) {
                    el("thead") {
                        el("tr") {
                            el("th", Attribute("scope", "col")) { "Function" }
                            for t in ["Total before", "Total after", "Change (points)", "Self before", "Self after", "Change (points)"] {
                                el("th", Attribute("scope", "col"), .class("num")) { t }
                            }
                        }
                    }
                    el("tbody") {
                        for ch in c.changes {
                            let d = ch.totalAfter - ch.totalBefore, ds = ch.selfAfter - ch.selfBefore
                            el("tr", .class(d > 0 ? "grew" : d < 0 ? "shrank" : "")) {
                                el("td") { el("code") { ch.function } }
                                el("td", .class("num")) { pct(ch.totalBefore) }
                                el("td", .class("num")) { pct(ch.totalAfter) }
                                el("td", .class("num delta")) { delta(d) }
                                el("td", .class("num")) { pct(ch.selfBefore) }
                                el("td", .class("num")) { pct(ch.selfAfter) }
                                el("td", .class("num delta")) { delta(ds) }
                            }
                        }
                    }
                }
            }
        })
    }
}
