import Hummingbird
import NIOCore
import VigilServerStore

/// "Profile this agent for 30 s", the profiles it uploaded, and their pprof downloads.
extension WebUI {
    static let profileSeconds = 30

    func profileSection(_ host: HostRecord, _ profiles: [ProfileRecord], _ visitor: Visitor, now: Int64) -> HTML {
        el("section", .class("card"), .id("profiles")) {
            el("h2") { "Profiles of the agent" }
            if host.agent != "vigil" {
                el("p", .class("hint")) { "This host runs \(host.agent), which cannot profile itself on request." }
            } else if visitor.isAdmin {
                el("form", Attribute("method", "post"), Attribute("action", "/hosts/\(host.id)/profile")) {
                    Pages.csrfField(visitor)
                    el("button", .type("submit")) { "Profile this agent for \(Self.profileSeconds) s" }
                }
            }
            newestFlameGraph(profiles, now: now)
            compareForm(profiles)
            profileTable(profiles, now: now)
        }
    }

    /// "Profile the server for 30 s" (Velociraptor's Server.Monitor.Profile) and this server's profiles.
    func serverProfileSection(_ profiles: [ProfileRecord], _ visitor: Visitor, now: Int64) -> HTML {
        el("div", .id("server-profile")) {
            el("h3") { "Profiles of this server" }
            if visitor.isAdmin {
                el("form", Attribute("method", "post"), Attribute("action", "/server/profile")) {
                    Pages.csrfField(visitor)
                    el("button", .type("submit")) { "Profile the server for \(Self.profileSeconds) s" }
                }
            }
            el("p", .class("hint")) { "The server runs Vigil's profiler on itself (it needs root, or CAP_BPF and CAP_PERFMON); reload the page to see it arrive." }
            newestFlameGraph(profiles, now: now)
            compareForm(profiles)
            profileTable(profiles, now: now)
        }
    }

    /// The server's flame graph of the newest done profile, as an image: its own script
    /// (zoom, search) does not run here; the SVG link opens it whole.
    @HTMLBuilder
    func newestFlameGraph(_ profiles: [ProfileRecord], now: Int64) -> HTML {
        if let newest = profiles.first(where: { $0.state == .done }) {
            el("figure", .class("flame")) {
                void("img", Attribute("src", "/api/v1/profiles/\(newest.id)/svg"), Attribute("alt", "Flame graph of profile \(newest.id)"),
                     Attribute("loading", "lazy"))
                el("figcaption") { "Flame graph of the newest profile (\(Format.ago(newest.doneAt ?? newest.requestedAt, now: now)))" }
            }
        }
    }

    @HTMLBuilder
    func profileTable(_ profiles: [ProfileRecord], now: Int64) -> HTML {
        if profiles.isEmpty {
            el("p", .class("hint")) { "No profiles yet." }
        } else {
            el("table") {
                el("thead") {
                    el("tr") {
                        for t in ["Asked", "Length", "State"] { el("th", Attribute("scope", "col")) { t } }
                        el("th", Attribute("scope", "col"), .class("num")) { "Samples" }
                        el("th", Attribute("scope", "col")) { "Download" }
                    }
                }
                el("tbody") { for p in profiles { profileRow(p, now: now) } }
            }
            // Follows a profile still being taken until it arrives.
            if profiles.contains(where: { $0.state == .requested || $0.state == .sent }) {
                el("script", Attribute("src", "/static/profile.js"), Attribute("defer", nil))
            }
        }
    }

    func profileRow(_ p: ProfileRecord, now: Int64) -> HTML {
        el("tr", Attribute("data-profile", "\(p.id)"), Attribute("data-state", p.state.rawValue)) {
            el("td") { el("span", Attribute("title", Format.time(p.requestedAt))) { Format.ago(p.requestedAt, now: now) } }
            el("td") { p.frequency == 0 ? "\(p.seconds) s (continuous)" : "\(p.seconds) s" }
            el("td") { p.error.map { "\(p.state.rawValue): \($0)" } ?? p.state.rawValue }
            el("td", .class("num")) { p.samples.map { "\($0)" } ?? "–" }
            el("td") {
                if p.state == .done {
                    el("a", .href("/profiles/\(p.id)/pprof"), Attribute("download", nil)) { "pprof" }
                    " · "
                    el("a", .href("/api/v1/profiles/\(p.id)/folded"), Attribute("download", nil)) { "folded" }
                    " · "
                    el("a", .href("/api/v1/profiles/\(p.id)/svg"), Attribute("download", nil)) { "flame graph (SVG)" }
                } else { "–" }
            }
        }
    }

    func profileHost(_ id: Int64, _ visitor: Visitor) async throws -> Response {
        _ = try await fleet.requestProfile(hostID: id, seconds: Self.profileSeconds)
        return Response.redirect(to: "/hosts/\(id)#profiles")
    }

    func profileServer() async throws -> Response {
        _ = try await fleet.profileServer(seconds: Self.profileSeconds)
        return Response.redirect(to: "/#server-profile")
    }

    func pprof(_ id: Int64) async throws -> Response {
        guard let record = try await store.profile(id: id, withData: true), let data = record.pprof else {
            throw HTTPError(.notFound, message: "no such profile, or it is not done")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.contentDisposition] = "attachment; filename=\"vigil-profile-\(record.id).pb.gz\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
