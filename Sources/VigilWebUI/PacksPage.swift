import Hummingbird
import VigilServerStore
import VigilWire
import Foundation

/// Packs: groups of scheduled queries sent to the hosts of some labels (or to every
/// host), with an optional shard. Their queries are edited on the queries page.
extension WebUI {
    func packsPage(_ visitor: Visitor, form: Form? = nil, editing: PackRecord? = nil, error: String? = nil,
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let packs = try await store.packs()
        let labels = try await store.labels()
        let names = Dictionary(uniqueKeysWithValues: labels.map { ($0.id, $0.name) })
        return Pages.html(Pages.frame("Packs", visitor) {
            Pages.notice(error)
            el("section", .class("card")) {
                if packs.isEmpty { el("p", .class("hint")) { "No packs yet." } } else {
                    el("table", .id("packs")) {
                        el("thead") {
                            el("tr") {
                                for t in ["Name", "Labels", "Shard", "Queries"] { el("th", Attribute("scope", "col")) { t } }
                                if visitor.isAdmin { el("th", Attribute("scope", "col")) { "Change" } }
                            }
                        }
                        el("tbody") {
                            for p in packs {
                                let body = Self.packBody(p)
                                el("tr") {
                                    el("td") { p.name }
                                    el("td") { p.labelIDs.isEmpty ? "every host" : p.labelIDs.compactMap { names[$0] }.sorted().joined(separator: ", ") }
                                    el("td", .class("num")) { body["shard"].map { "\($0.text) %" } ?? "all" }
                                    el("td") { (body["queries"]?.object ?? [:]).keys.sorted().joined(separator: ", ") }
                                    if visitor.isAdmin {
                                        el("td") {
                                            el("a", .href("/packs/\(p.id)/edit")) { "Edit" }
                                            deleteButton("/packs/\(p.id)/delete", visitor, label: "Delete \(p.name)", fields: [])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if visitor.isAdmin { packForm(visitor, form: form, editing: editing, labels: labels, names: names) }
        }, status: status)
    }

    static func packBody(_ p: PackRecord) -> [String: JSONValue] {
        (try? WireCoding.decode(JSONValue.self, from: Data(p.body.utf8)))?.object ?? [:]
    }

    func packForm(_ visitor: Visitor, form: Form?, editing: PackRecord?, labels: [LabelRecord], names: [Int64: String]) -> HTML {
        let chosen = Set(form?.all("labels") ?? editing?.labelIDs.compactMap { names[$0] } ?? [])
        let shard = form?["shard"] ?? editing.flatMap { Self.packBody($0)["shard"]?.text } ?? ""
        return el("form", Attribute("method", "post"), Attribute("action", editing.map { "/packs/\($0.id)" } ?? "/packs"), .class("card"), .id("pack-form")) {
            el("h2") { editing.map { "Edit \($0.name)" } ?? "Add a pack" }
            Pages.csrfField(visitor)
            el("label", .for("name")) { "Name" }
            void("input", .id("name"), .name("name"), .type("text"), .value(form?["name"] ?? editing?.name ?? ""), .required, Attribute("maxlength", "128"))
            el("label", .for("labels")) { "Labels (none: every host)" }
            el("select", .id("labels"), .name("labels"), Attribute("multiple", nil), Attribute("size", "\(min(6, max(2, labels.count)))")) {
                for l in labels {
                    el("option", attributes: chosen.contains(l.name) ? [.value(l.name), .selected] : [.value(l.name)]) { l.name }
                }
            }
            el("label", .for("shard")) { "Shard (percent of those hosts; empty: all)" }
            void("input", .id("shard"), .name("shard"), .type("number"), Attribute("min", "1"), Attribute("max", "100"), .value(shard))
            el("button", .type("submit")) { editing == nil ? "Add" : "Save" }
        }
    }

    func editPackPage(_ id: Int64, _ visitor: Visitor) async throws -> Response {
        guard let pack = try await store.packs().first(where: { $0.id == id }) else { throw HTTPError(.notFound, message: "no pack \(id)") }
        return try await packsPage(visitor, editing: pack)
    }

    func savePack(_ id: Int64?, _ form: Form, _ visitor: Visitor) async throws -> Response {
        var editing: PackRecord?
        if let id { editing = try await store.packs().first { $0.id == id } }
        var shard: Int?
        if let text = form["shard"], !text.isEmpty {
            guard let n = Int(text) else {
                return try await packsPage(visitor, form: form, editing: editing, error: "The shard is a whole number from 1 to 100, or empty.", status: .badRequest)
            }
            shard = n
        }
        do { try await fleet.savePack(id: id, name: form["name"] ?? "", labels: form.all("labels"), shard: shard) } catch let error as HTTPError {
            return try await packsPage(visitor, form: form, editing: editing, error: error.body ?? "\(error.status)", status: error.status)
        }
        return Response.redirect(to: "/packs")
    }

    func deletePack(_ id: Int64, _ visitor: Visitor) async throws -> Response {
        guard try await store.deletePack(id: id) else { throw HTTPError(.notFound, message: "no pack \(id)") }
        return Response.redirect(to: "/packs")
    }
}
