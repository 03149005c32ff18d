import Hummingbird
import VigilServerStore

/// Scheduled queries: the config's schedule (every host) and each pack's queries (the
/// hosts of the pack's labels), listed as agents get them, and a form that adds or edits
/// one. The server checks every field, the SQL against the tables' schemas, before it
/// saves; an error comes back above the form with what was typed.
extension WebUI {
    func queriesPage(_ visitor: Visitor, form: Form? = nil, editing: ScheduledQuery? = nil, notice: String? = nil, error: String? = nil,
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        let queries = try await fleet.scheduledQueries()
        let packs = try await store.packs()
        return Pages.html(Pages.frame("Scheduled queries", visitor) {
            Pages.notice(error)
            if let notice { el("p", .class("notice"), Attribute("role", "status")) { notice } }
            el("section", .class("card")) {
                if queries.isEmpty { el("p", .class("hint")) { "No scheduled queries." } } else { scheduleList(queries, visitor) }
            }
            if visitor.isAdmin { queryForm(visitor, form: form, editing: editing, packs: packs.map(\.name)) }
        }, status: status)
    }

    func scheduleList(_ queries: [ScheduledQuery], _ visitor: Visitor) -> HTML {
        el("table", .id("scheduled")) {
            el("thead") {
                el("tr") {
                    for t in ["Name", "Pack", "Targets", "Interval", "Type", "Shard", "SQL"] { el("th", Attribute("scope", "col")) { t } }
                    if visitor.isAdmin { el("th", Attribute("scope", "col")) { "Change" } }
                }
            }
            el("tbody") {
                for q in queries {
                    el("tr") {
                        el("td") { q.name }
                        el("td") { q.pack ?? "– (the schedule)" }
                        el("td") { q.pack == nil || q.labels.isEmpty ? "every host" : q.labels.joined(separator: ", ") }
                        el("td", .class("num")) { "\(q.interval) s" }
                        el("td") { q.snapshot ? "snapshot" : "differential" }
                        el("td", .class("num")) { q.shard.map { "\($0) %" } ?? "all" }
                        el("td") { el("code") { q.query } }
                        if visitor.isAdmin {
                            el("td") {
                                el("a", .href("/queries/edit?name=\(queryEscape(q.name))" + (q.pack.map { "&pack=" + queryEscape($0) } ?? ""))) { "Edit" }
                                deleteButton("/queries/delete", visitor, label: "Delete \(q.name)", fields: [("name", q.name), ("pack", q.pack ?? "")])
                            }
                        }
                    }
                }
            }
        }
    }

    func queryForm(_ visitor: Visitor, form: Form?, editing: ScheduledQuery?, packs: [String]) -> HTML {
        // What was typed (after an error), else the query being edited, else defaults.
        let name = form?["name"] ?? editing?.name ?? ""
        let sql = form?["sql"] ?? editing?.query ?? ""
        let interval = form?["interval"] ?? editing.map { "\($0.interval)" } ?? "3600"
        let kind = form?["type"] ?? (editing?.snapshot == true ? "snapshot" : "differential")
        let shard = form?["shard"] ?? editing?.shard.map(String.init) ?? ""
        let pack = form?["pack"] ?? editing?.pack ?? ""
        let original = form.map { ($0["original_name"] ?? "", $0["original_pack"] ?? "") } ?? editing.map { ($0.name, $0.pack ?? "") }
        return el("form", Attribute("method", "post"), Attribute("action", "/queries"), .class("card"), .id("query-form")) {
            el("h2") { original.map { "Edit \($0.0)" } ?? "Add a scheduled query" }
            Pages.csrfField(visitor)
            if let original {
                void("input", .type("hidden"), .name("original_name"), .value(original.0))
                void("input", .type("hidden"), .name("original_pack"), .value(original.1))
            }
            el("label", .for("name")) { "Name" }
            void("input", .id("name"), .name("name"), .type("text"), .value(name), .required, Attribute("maxlength", "128"))
            sqlEditor(sql, rows: 4)
            el("label", .for("interval")) { "Interval (seconds)" }
            void("input", .id("interval"), .name("interval"), .type("number"), Attribute("min", "1"), Attribute("max", "604800"), .value(interval), .required)
            el("label", .for("type")) { "Type" }
            select("type", selected: kind, [("differential", "Differential (rows added and removed since the last run)"), ("snapshot", "Snapshot (every run's rows)")])
            el("label", .for("shard")) { "Shard (percent of the targeted hosts; empty: all)" }
            void("input", .id("shard"), .name("shard"), .type("number"), Attribute("min", "1"), Attribute("max", "100"), .value(shard))
            el("label", .for("pack")) { "Pack (its labels are the targets)" }
            select("pack", selected: pack, [("", "None: the schedule, every host")] + packs.map { ($0, $0) })
            el("button", .type("submit")) { original == nil ? "Add" : "Save" }
        }
    }

    /// The editor's text area: the SQL, highlighted by sql.js when scripts run, and the
    /// place where the server's schema check of it is shown.
    func sqlEditor(_ sql: String, rows: Int, label: String = "SQL", required: Bool = true) -> HTML {
        el("div", .class("sql-editor")) {
            el("label", .for("sql")) { label }
            el("textarea", attributes: [.id("sql"), .name("sql"), Attribute("rows", "\(rows)"), Attribute("spellcheck", "false"),
                                        Attribute("aria-describedby", "sql-check")] + (required ? [.required] : [])) { sql }
            el("p", .id("sql-check"), .class("hint"), Attribute("role", "status"), Attribute("aria-live", "polite")) { "" }
            el("script", Attribute("src", "/static/sql.js"), Attribute("defer", nil))
        }
    }

    /// A one-button form that posts a deletion (with the CSRF token).
    func deleteButton(_ action: String, _ visitor: Visitor, label: String, fields: [(String, String)]) -> HTML {
        el("form", Attribute("method", "post"), Attribute("action", action), .class("inline")) {
            Pages.csrfField(visitor)
            for (name, value) in fields { void("input", .type("hidden"), .name(name), .value(value)) }
            el("button", .type("submit"), .class("danger"), Attribute("aria-label", label)) { "Delete" }
        }
    }

    func editQueryPage(_ request: Request, _ visitor: Visitor) async throws -> Response {
        let q = Form(request.uri.query ?? "")
        let pack = (q["pack"] ?? "").isEmpty ? nil : q["pack"]
        guard let query = try await fleet.scheduledQueries().first(where: { $0.name == q["name"] && $0.pack == pack }) else {
            throw HTTPError(.notFound, message: "no scheduled query \((q["name"] ?? "").prefix(100))")
        }
        return try await queriesPage(visitor, editing: query)
    }

    func saveQuery(_ form: Form, _ visitor: Visitor) async throws -> Response {
        let pack = (form["pack"] ?? "").isEmpty ? nil : form["pack"]
        guard let interval = Int(form["interval"] ?? "") else {
            return try await queriesPage(visitor, form: form, error: "The interval is a whole number of seconds.", status: .badRequest)
        }
        var shard: Int?
        if let text = form["shard"], !text.isEmpty {
            guard let n = Int(text) else { return try await queriesPage(visitor, form: form, error: "The shard is a whole number from 1 to 100, or empty.", status: .badRequest) }
            shard = n
        }
        let query = ScheduledQuery(name: form["name"] ?? "", query: form["sql"] ?? "", interval: interval, snapshot: form["type"] == "snapshot", shard: shard, pack: pack)
        let replacing = form["original_name"].map { (name: $0, pack: (form["original_pack"] ?? "").isEmpty ? nil : form["original_pack"]) }
        do { try await fleet.saveScheduledQuery(query, replacing: replacing) } catch let error as HTTPError {
            return try await queriesPage(visitor, form: form, error: error.body ?? "\(error.status)", status: error.status)
        }
        let warnings = fleet.checkSQL(query.query).warnings
        guard warnings.isEmpty else { return try await queriesPage(visitor, notice: "Saved \(query.name). Warning: " + warnings.joined(separator: "; ")) }
        return Response.redirect(to: "/queries")
    }

    func deleteQuery(_ form: Form, _ visitor: Visitor) async throws -> Response {
        let pack = (form["pack"] ?? "").isEmpty ? nil : form["pack"]
        do { try await fleet.deleteScheduledQuery(name: form["name"] ?? "", pack: pack) } catch let error as HTTPError {
            return try await queriesPage(visitor, error: error.body ?? "\(error.status)", status: error.status)
        }
        return Response.redirect(to: "/queries")
    }
}
