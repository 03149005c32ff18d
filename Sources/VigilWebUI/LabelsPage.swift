import Hummingbird
import VigilServerStore

/// Labels: dynamic (hosts run the SQL and belong while it returns rows) and manual (the
/// hosts named), with how many hosts each holds; an admin adds, edits and deletes them.
extension WebUI {
    func labelsPage(_ visitor: Visitor, form: Form? = nil, editing: LabelRecord? = nil, error: String? = nil,
                    status: HTTPResponse.Status = .ok) async throws -> Response {
        let labels = try await store.labels()
        var members: [String] = []
        if let editing, editing.query == nil {
            let ids = Set(try await store.labelMembers(id: editing.id))
            // A manual label holds few hosts (an operator named each).
            for id in ids.sorted() { if let h = try await store.host(id: id) { members.append(h.hostIdentifier) } }
        }
        return Pages.html(Pages.frame("Labels", visitor) {
            Pages.notice(error)
            el("section", .class("card")) {
                if labels.isEmpty { el("p", .class("hint")) { "No labels yet." } } else {
                    el("table", .id("labels")) {
                        el("thead") {
                            el("tr") {
                                for t in ["Name", "Kind", "Hosts", "Description", "Query"] { el("th", Attribute("scope", "col")) { t } }
                                if visitor.isAdmin { el("th", Attribute("scope", "col")) { "Change" } }
                            }
                        }
                        el("tbody") {
                            for l in labels {
                                el("tr") {
                                    el("td") { el("a", .href("/hosts?label=" + queryEscape(l.name))) { l.name } }
                                    el("td") { l.query == nil ? "manual" : "dynamic" }
                                    el("td", .class("num")) { "\(l.hosts)" }
                                    el("td") { l.description }
                                    el("td") { el("code") { l.query ?? "" } }
                                    if visitor.isAdmin {
                                        el("td") {
                                            el("a", .href("/labels/\(l.id)/edit")) { "Edit" }
                                            deleteButton("/labels/\(l.id)/delete", visitor, label: "Delete \(l.name)", fields: [])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if visitor.isAdmin { labelForm(visitor, form: form, editing: editing, members: members) }
        }, status: status)
    }

    func labelForm(_ visitor: Visitor, form: Form?, editing: LabelRecord?, members: [String]) -> HTML {
        let dynamic = editing?.query != nil
        return el("form", Attribute("method", "post"), Attribute("action", editing.map { "/labels/\($0.id)" } ?? "/labels"), .class("card"), .id("label-form")) {
            el("h2") { editing.map { "Edit \($0.name)" } ?? "Add a label" }
            Pages.csrfField(visitor)
            if editing == nil {
                el("label", .for("name")) { "Name" }
                void("input", .id("name"), .name("name"), .type("text"), .value(form?["name"] ?? ""), .required, Attribute("maxlength", "128"))
            }
            el("label", .for("description")) { "Description" }
            void("input", .id("description"), .name("description"), .type("text"), .value(form?["description"] ?? editing?.description ?? ""),
                 Attribute("maxlength", "1024"))
            if editing == nil || dynamic {
                sqlEditor(form?["sql"] ?? editing?.query ?? "", rows: 3,
                          label: editing == nil ? "SQL (a dynamic label: hosts whose answer has rows; leave empty for a manual label)" : "SQL",
                          required: editing != nil)
            }
            if editing == nil || !dynamic {
                el("label", .for("hosts")) { editing == nil ? "Host identifiers (a manual label), one per line" : "Host identifiers, one per line" }
                el("textarea", .id("hosts"), .name("hosts"), Attribute("rows", "3"), Attribute("spellcheck", "false")) {
                    form?["hosts"] ?? members.joined(separator: "\n")
                }
            }
            el("button", .type("submit")) { editing == nil ? "Add" : "Save" }
        }
    }

    static func lines(_ text: String?) -> [String] {
        (text ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func editLabelPage(_ id: Int64, _ visitor: Visitor) async throws -> Response {
        guard let label = try await store.labels().first(where: { $0.id == id }) else { throw HTTPError(.notFound, message: "no label \(id)") }
        return try await labelsPage(visitor, editing: label)
    }

    func saveLabel(_ id: Int64?, _ form: Form, _ visitor: Visitor) async throws -> Response {
        let sql = (form["sql"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            if let id {
                try await fleet.updateLabel(id: id, description: form["description"] ?? "", query: sql.isEmpty ? nil : sql, hosts: Self.lines(form["hosts"]))
            } else {
                guard sql.isEmpty || Self.lines(form["hosts"]).isEmpty else {
                    throw HTTPError(.badRequest, message: "Give either SQL (a dynamic label) or host identifiers (a manual one), not both.")
                }
                try await fleet.createLabel(name: form["name"] ?? "", description: form["description"] ?? "", query: sql.isEmpty ? nil : sql, hosts: Self.lines(form["hosts"]))
            }
        } catch let error as HTTPError {
            var editing: LabelRecord?
            if let id { editing = try await store.labels().first { $0.id == id } }
            return try await labelsPage(visitor, form: form, editing: editing, error: error.body ?? "\(error.status)", status: error.status)
        }
        return Response.redirect(to: "/labels")
    }

    func deleteLabel(_ id: Int64, _ visitor: Visitor) async throws -> Response {
        guard try await store.deleteLabel(id: id) else { throw HTTPError(.notFound, message: "no label \(id)") }
        return Response.redirect(to: "/labels")
    }
}
