import Hummingbird
import VigilServerStore

/// Settings for admins: the enroll secrets agents join with (add, revoke), the API
/// tokens scripts use (create with a role, revoke), and the audit log's newest entries. A new secret or token is shown once:
/// a token's value is never stored, only its hash.
extension WebUI {
    func settingsPage(_ visitor: Visitor, created: (what: String, value: String)? = nil, error: String? = nil,
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        guard visitor.isAdmin else { throw HTTPError(.forbidden, message: "only an admin sees the settings") }
        let secrets = try await store.enrollSecrets()
        let tokens = try await store.tokens()
        let audit = try await store.auditLog(limit: 50, offset: 0)
        return Pages.html(Pages.frame("Settings", visitor) {
            Pages.notice(error)
            if let created {
                el("p", .class("notice"), Attribute("role", "status")) {
                    "\(created.what), shown only now: "
                    el("code", .id("new-secret")) { created.value }
                }
            }
            el("section", .class("card"), .id("secrets")) {
                el("h2") { "Enroll secrets" }
                el("p", .class("hint")) { "Agents enroll with any secret that is not revoked; revoking one stops new enrollments with it, not hosts already enrolled." }
                el("table") {
                    el("thead") { el("tr") { for t in ["Name", "Secret", "State", "Change"] { el("th", Attribute("scope", "col")) { t } } } }
                    el("tbody") {
                        for s in secrets {
                            el("tr") {
                                el("td") { s.name.isEmpty ? "–" : s.name }
                                // Enough to tell secrets apart; the whole one is in the agent's files.
                                el("td") { el("code") { String(s.secret.prefix(4)) + "…" } }
                                el("td") { s.revoked ? "revoked" : "active" }
                                el("td") {
                                    if !s.revoked {
                                        el("form", Attribute("method", "post"), Attribute("action", "/settings/secrets/revoke"), .class("inline")) {
                                            Pages.csrfField(visitor)
                                            // Named by its hash: the page never holds a secret whole.
                                            void("input", .type("hidden"), .name("secret_hash"), .value(fleet.hash(s.secret)))
                                            el("button", .type("submit"), .class("danger"), Attribute("aria-label", "Revoke secret \(s.name)")) { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                el("form", Attribute("method", "post"), Attribute("action", "/settings/secrets"), .class("narrow")) {
                    Pages.csrfField(visitor)
                    el("label", .for("secret-name")) { "New secret's name" }
                    void("input", .id("secret-name"), .name("name"), .type("text"), Attribute("maxlength", "128"))
                    el("button", .type("submit")) { "Add a secret" }
                }
            }
            el("section", .class("card"), .id("tokens")) {
                el("h2") { "API tokens" }
                el("table") {
                    el("thead") { el("tr") { for t in ["Name", "Role", "Created", "Id", "Change"] { el("th", Attribute("scope", "col")) { t } } } }
                    el("tbody") {
                        for t in tokens {
                            el("tr") {
                                el("td") { t.name }
                                el("td") { t.role.rawValue }
                                el("td") { Format.time(t.createdAt) }
                                // The start of its hash: names it without revealing anything.
                                el("td") { el("code") { String(t.hash.prefix(8)) } }
                                el("td") {
                                    el("form", Attribute("method", "post"), Attribute("action", "/settings/tokens/revoke"), .class("inline")) {
                                        Pages.csrfField(visitor)
                                        void("input", .type("hidden"), .name("token"), .value(t.hash))
                                        el("button", .type("submit"), .class("danger"), Attribute("aria-label", "Revoke token \(t.name)")) { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
                el("form", Attribute("method", "post"), Attribute("action", "/settings/tokens"), .class("narrow")) {
                    Pages.csrfField(visitor)
                    el("label", .for("token-name")) { "New token's name" }
                    void("input", .id("token-name"), .name("name"), .type("text"), .required, Attribute("maxlength", "128"))
                    el("label", .for("token-role")) { "Token role" }
                    select("token-role", selected: "observer", [("observer", "Observer (reads only)"), ("admin", "Admin")])
                    el("button", .type("submit")) { "Create a token" }
                }
            }
            el("section", .class("card"), .id("audit")) {
                el("h2") { "Audit log" }
                el("p", .class("hint")) { "The newest 50 changes made through this UI and the REST API, and refused attempts; all of them at GET /api/v1/audit." }
                el("table") {
                    el("thead") { el("tr") { for t in ["Time", "Who", "From", "Action", "Target", "Status", "Detail"] { el("th", Attribute("scope", "col")) { t } } } }
                    el("tbody") {
                        for e in audit {
                            el("tr") {
                                el("td") { Format.time(e.at) }
                                el("td") { e.actor }
                                el("td") { e.source }
                                el("td") { el("code") { e.action } }
                                el("td") { e.target }
                                el("td") { String(e.status) }
                                el("td") { el("code") { String(e.detail.prefix(200)) } }
                            }
                        }
                    }
                }
            }
        }, status: status)
    }

    func addSecret(_ form: Form, _ visitor: Visitor) async throws -> Response {
        do {
            let secret = try await fleet.addEnrollSecret(name: form["name"] ?? "")
            return try await settingsPage(visitor, created: ("New enroll secret", secret))
        } catch let error as HTTPError {
            return try await settingsPage(visitor, error: error.body ?? "\(error.status)", status: error.status)
        }
    }

    func revokeSecret(_ form: Form, _ visitor: Visitor) async throws -> Response {
        let wanted = form["secret_hash"] ?? ""
        guard let secret = try await store.enrollSecrets().first(where: { !$0.revoked && fleet.equal(fleet.hash($0.secret), wanted) })?.secret,
              try await store.revokeEnrollSecret(secret) else {
            return try await settingsPage(visitor, error: "No such secret, or it is already revoked.", status: .notFound)
        }
        return Response.redirect(to: "/settings#secrets")
    }

    func createToken(_ form: Form, _ visitor: Visitor) async throws -> Response {
        guard let role = TokenRole(rawValue: form["token-role"] ?? "") else {
            return try await settingsPage(visitor, error: "The role is admin or observer.", status: .badRequest)
        }
        do {
            let token = try await fleet.createToken(name: form["name"] ?? "", role: role)
            return try await settingsPage(visitor, created: ("New \(role.rawValue) token", token))
        } catch let error as HTTPError {
            return try await settingsPage(visitor, error: error.body ?? "\(error.status)", status: error.status)
        }
    }

    func revokeToken(_ form: Form, _ visitor: Visitor) async throws -> Response {
        guard try await store.revokeToken(hash: form["token"] ?? "") else {
            return try await settingsPage(visitor, error: "No such token.", status: .notFound)
        }
        return Response.redirect(to: "/settings#tokens")
    }
}
