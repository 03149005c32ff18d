import Foundation
import Hummingbird
import NIOCore

/// The frame every page shares and the responses that carry pages.
enum Pages {
    static func html(_ page: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: page.document())))
    }

    /// A page with the navigation bar (for a logged-in visitor) and `content`.
    static func frame(_ title: String, _ visitor: Visitor?, @HTMLBuilder content: () -> HTML) -> HTML {
        el("html", Attribute("lang", "en")) {
            el("head") {
                void("meta", Attribute("charset", "utf-8"))
                void("meta", .name("viewport"), Attribute("content", "width=device-width, initial-scale=1"))
                void("meta", .name("color-scheme"), Attribute("content", "light dark"))
                el("title") { "\(title) · Vigil" }
                void("link", Attribute("rel", "stylesheet"), .href("/static/vigil.css"))
            }
            el("body") {
                // For keyboard users: the first Tab reaches this, past the navigation.
                el("a", .href("#main"), .class("skip")) { "Skip to content" }
                if let visitor { navigation(visitor) }
                el("main", .id("main")) {
                    el("h1") { title }
                    content()
                }
            }
        }
    }

    static func navigation(_ visitor: Visitor) -> HTML {
        el("header", .class("bar")) {
            el("nav", Attribute("aria-label", "Main")) {
                el("a", .href("/"), .class("brand")) { "Vigil" }
                el("a", .href("/")) { "Dashboard" }
                el("a", .href("/hosts")) { "Hosts" }
                el("a", .href("/live")) { "Live query" }
                el("a", .href("/queries")) { "Queries" }
                el("a", .href("/packs")) { "Packs" }
                el("a", .href("/labels")) { "Labels" }
                el("a", .href("/performance")) { "Performance" }
                if visitor.isAdmin {
                    el("a", .href("/users")) { "Users" }
                    el("a", .href("/settings")) { "Settings" }
                }
            }
            el("form", Attribute("method", "post"), Attribute("action", "/logout"), .class("logout")) {
                csrfField(visitor)
                el("span") { "\(visitor.name) (\(visitor.role.rawValue))" }
                el("button", .type("submit")) { "Log out" }
            }
        }
    }

    static func csrfField(_ visitor: Visitor) -> HTML {
        void("input", .type("hidden"), .name("csrf_token"), .value(visitor.csrf))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        html(frame("\(status.code) \(status.reasonPhrase)", nil) {
            el("p", .class("error"), Attribute("role", "alert")) { message }
            el("p") { el("a", .href("/")) { "Back to the dashboard" } }
        }, status: status)
    }

    /// A notice (an error) above a form, if there is one.
    static func notice(_ message: String?) -> HTML {
        guard let message else { return .empty }
        return el("p", .class("error"), Attribute("role", "alert")) { message }
    }
}

/// How numbers and times read on the pages.
enum Format {
    static func time(_ unix: Int64) -> String {
        guard unix > 0 else { return "never" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(unix)))
    }

    static func ago(_ unix: Int64, now: Int64) -> String {
        guard unix > 0 else { return "never" }
        let s = max(0, now - unix)
        if s < 120 { return "\(s) s ago" }
        if s < 7200 { return "\(s / 60) min ago" }
        if s < 172_800 { return "\(s / 3600) h ago" }
        return "\(s / 86400) days ago"
    }

    static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n), unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    static func number(_ v: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", v) }
}
