import Hummingbird
import VigilServerStore

/// Log in and log out. The login form's CSRF token is tied to a short-lived cookie of
/// its own, so another site cannot log a browser in as someone else either.
extension WebUI {
    func loginPage(_ request: Request, status: HTTPResponse.Status = .ok, message: String? = nil) async throws -> Response {
        var headers = HTTPFields()
        var key = request.cookies[Sessions.loginCookie]?.value ?? ""
        if key.utf8.count != 64 {
            key = fleet.newKey()
            headers[.setCookie] = Sessions.setCookie(Sessions.loginCookie, key, path: "/login", maxAge: 3600)
        }
        let csrf = sessions.csrfToken(forKey: key)
        let page = Pages.frame("Log in", nil) {
            Pages.notice(message)
            el("form", Attribute("method", "post"), Attribute("action", "/login"), .class("card narrow")) {
                void("input", .type("hidden"), .name("csrf_token"), .value(csrf))
                el("label", .for("username")) { "User name" }
                void("input", .id("username"), .name("username"), .type("text"), Attribute("autocomplete", "username"), .required, Attribute("autofocus", nil))
                el("label", .for("password")) { "Password" }
                void("input", .id("password"), .name("password"), .type("password"), Attribute("autocomplete", "current-password"), .required)
                el("button", .type("submit")) { "Log in" }
                el("p", .class("hint")) { "The admin password is in DATA_DIR/admin_password." }
            }
        }
        return Pages.html(page, status: status, headers: headers)
    }

    func logIn(_ request: Request, source: String) async throws -> Response {
        let form = try await Form.read(request)
        guard let key = request.cookies[Sessions.loginCookie]?.value, sessions.checkCSRF(form, key: key) else {
            return Pages.error(.forbidden, "the login form's CSRF token is missing or wrong: open the login page again")
        }
        let name = form["username"] ?? ""
        // Logins, and failed ones (password guessing shows here), are in the audit log.
        func record(_ status: HTTPResponse.Status, _ actor: String) async {
            await audit(AuditEntry(at: Self.now(), actor: actor, source: source, action: "POST /login",
                                   target: "/login name=" + String(name.prefix(100)), status: Int(status.code)))
        }
        guard let role = try await sessions.authenticate(name: name, password: form["password"] ?? "") else {
            await record(.unauthorized, "anonymous")
            return try await loginPage(request, status: .unauthorized, message: "Wrong user name or password.")
        }
        await record(.seeOther, "user:\(name) (\(role.rawValue))")
        var headers = HTTPFields()
        headers[values: .setCookie] = [
            try await sessions.start(name: name, role: role, now: Self.now()),
            Sessions.setCookie(Sessions.loginCookie, "", path: "/login", maxAge: 0),
        ]
        headers[.location] = "/"
        return Response(status: .seeOther, headers: headers)
    }

    func logOut(_ visitor: Visitor) async throws -> Response {
        try await store.deleteSession(hash: visitor.sessionHash)
        var headers = HTTPFields()
        headers[.setCookie] = Sessions.setCookie(Sessions.cookie, "", path: "/", maxAge: 0)
        headers[.location] = "/login"
        return Response(status: .seeOther, headers: headers)
    }
}
