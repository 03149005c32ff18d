import Hummingbird
import VigilServerStore

/// Users: the built-in admin and the people an admin adds. The server makes each new
/// user's password (120 random bits, shown once), so a fast hash is enough to store it,
/// as for the admin password and API tokens.
extension WebUI {
    func usersPage(_ visitor: Visitor, created: (name: String, password: String)?, error: String? = nil) async throws -> Response {
        guard visitor.isAdmin else { throw HTTPError(.forbidden, message: "only an admin sees and adds users") }
        let users = try await store.users()
        return Pages.html(Pages.frame("Users", visitor) {
            Pages.notice(error)
            if let created {
                el("p", .class("notice"), Attribute("role", "status")) {
                    "Added \(created.name). Their password, shown only now: "
                    el("code", .id("new-password")) { created.password }
                }
            }
            el("section", .class("card")) {
              el("table", .id("users")) {
                el("thead") { el("tr") { for t in ["Name", "Role", "Added", "Change"] { el("th", Attribute("scope", "col")) { t } } } }
                el("tbody") {
                    el("tr") { el("td") { "admin" }; el("td") { "admin" }; el("td") { "first start (DATA_DIR/admin_password)" }; el("td") { "built in" } }
                    for u in users {
                        el("tr") {
                            el("td") { u.name }
                            el("td") { u.role.rawValue }
                            el("td") { Format.time(u.createdAt) }
                            el("td") {
                                if u.name == visitor.name { "you" } else {
                                    el("form", Attribute("method", "post"), Attribute("action", "/users/role"), .class("inline")) {
                                        Pages.csrfField(visitor)
                                        void("input", .type("hidden"), .name("username"), .value(u.name))
                                        void("input", .type("hidden"), .name("role"), .value(u.role == .admin ? "observer" : "admin"))
                                        el("button", .type("submit"), Attribute("aria-label", "Make \(u.name) an \(u.role == .admin ? "observer" : "admin")")) {
                                            u.role == .admin ? "Make observer" : "Make admin"
                                        }
                                    }
                                    deleteButton("/users/delete", visitor, label: "Delete \(u.name)", fields: [("username", u.name)])
                                }
                            }
                        }
                    }
                }
              }
            }
            el("form", Attribute("method", "post"), Attribute("action", "/users"), .class("card narrow")) {
                el("h2") { "Add a user" }
                Pages.csrfField(visitor)
                el("label", .for("username")) { "User name" }
                void("input", .id("username"), .name("username"), .type("text"), .required, Attribute("pattern", "[A-Za-z0-9_.\\-]{1,64}"))
                el("label", .for("role")) { "Role" }
                select("role", selected: "observer", [("observer", "Observer (reads only)"), ("admin", "Admin")])
                el("button", .type("submit")) { "Add" }
            }
        }, status: error == nil ? .ok : .badRequest)
    }

    func createUser(_ form: Form, _ visitor: Visitor) async throws -> Response {
        let name = form["username"] ?? ""
        guard (1...64).contains(name.utf8.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
            return try await usersPage(visitor, created: nil, error: "A user name is 1 to 64 letters, digits, _, . or -.")
        }
        guard let role = TokenRole(rawValue: form["role"] ?? "") else {
            return try await usersPage(visitor, created: nil, error: "The role is admin or observer.")
        }
        let password = fleet.newPassword()
        guard name != "admin", try await store.createUser(name: name, role: role, passwordHash: await fleet.passwordHash(password), at: Self.now()) else {
            return try await usersPage(visitor, created: nil, error: "There is already a user named \(name).")
        }
        return try await usersPage(visitor, created: (name, password))
    }

    /// Whether `name` may be removed or demoted by `visitor`: never the built-in admin (the
    /// fleet's last admin whatever else happens), never oneself (another admin must do it).
    func refusal(changing name: String, by visitor: Visitor) -> String? {
        if name == "admin" { return "The built-in admin cannot be removed or demoted: it is the admin that always remains." }
        if name == visitor.name { return "You cannot remove or demote yourself: another admin must." }
        return nil
    }

    func deleteUser(_ form: Form, _ visitor: Visitor) async throws -> Response {
        let name = form["username"] ?? ""
        if let refusal = refusal(changing: name, by: visitor) { return try await usersPage(visitor, created: nil, error: refusal) }
        guard try await store.deleteUser(name: name) else { return try await usersPage(visitor, created: nil, error: "There is no user named \(name).") }
        return Response.redirect(to: "/users")
    }

    func changeRole(_ form: Form, _ visitor: Visitor) async throws -> Response {
        let name = form["username"] ?? ""
        guard let role = TokenRole(rawValue: form["role"] ?? "") else { return try await usersPage(visitor, created: nil, error: "The role is admin or observer.") }
        if role != .admin, let refusal = refusal(changing: name, by: visitor) { return try await usersPage(visitor, created: nil, error: refusal) }
        guard try await store.setRole(name: name, role: role) else { return try await usersPage(visitor, created: nil, error: "There is no user named \(name).") }
        return Response.redirect(to: "/users")
    }
}
