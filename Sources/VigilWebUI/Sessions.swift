import Hummingbird
import VigilServerStore

/// Who is asking: a logged-in user, their role, and the CSRF token their forms carry.
struct Visitor: Sendable {
    var name: String
    var role: TokenRole
    /// Derived from the session key, so it is per session and the store never holds it.
    var csrf: String
    /// The session's stored hash (for log out).
    var sessionHash: String

    var isAdmin: Bool { role == .admin }
}

/// Browser sessions: a random key in a cookie that scripts cannot read
/// (HttpOnly), sent only over TLS (Secure) and never on a request another site
/// started (SameSite=Strict); the store keeps its SHA-256, as for API tokens. Every
/// form carries a CSRF token derived from the key, checked on every POST.
struct Sessions: Sendable {
    static let cookie = "vigil_session"
    /// Before logging in: ties the login form's CSRF token to this browser.
    static let loginCookie = "vigil_login"
    /// A session ends 12 hours after log in, or after an hour without a request. Both
    /// are checked against the database's times, so every server on it agrees.
    static let lifetime: Int64 = 12 * 3600
    static let idleLifetime: Int64 = 3600
    /// The time of last use is written at most once a minute per session.
    static let touchEvery: Int64 = 60

    let store: any ServerStore
    let fleet: any WebUIFleet

    func csrfToken(forKey key: String) -> String { fleet.hash("csrf:" + key) }

    /// The visitor behind the request's session cookie, if it names a live session.
    func visitor(_ request: Request, now: Int64) async throws -> Visitor? {
        guard let key = request.cookies[Self.cookie]?.value, !key.isEmpty, key.utf8.count <= 128 else { return nil }
        let hash = fleet.hash(key)
        guard let session = try await store.session(hash: hash, now: now) else { return nil }
        if now - session.lastUsedAt > Self.idleLifetime {
            try await store.deleteSession(hash: hash)
            return nil
        }
        if now - session.lastUsedAt >= Self.touchEvery { try await store.touchSession(hash: hash, at: now) }
        return Visitor(name: session.userName, role: session.role, csrf: csrfToken(forKey: key), sessionHash: hash)
    }

    /// Whether the form's CSRF token is the one derived from `key`.
    func checkCSRF(_ form: Form, key: String) -> Bool {
        guard let sent = form["csrf_token"], !sent.isEmpty else { return false }
        return fleet.equal(sent, csrfToken(forKey: key))
    }

    /// The role of a user who gives this name and password, if they match.
    func authenticate(name: String, password: String) async throws -> TokenRole? {
        guard !password.isEmpty else { return nil }
        if name == "admin" { return try await fleet.adminPasswordMatches(password) ? .admin : nil }
        guard let user = try await store.user(name: name) else { return nil }
        return await fleet.passwordMatches(password, stored: user.passwordHash) ? user.role : nil
    }

    /// A new session for this user; the Set-Cookie value that carries it.
    func start(name: String, role: TokenRole, now: Int64) async throws -> String {
        let key = fleet.newKey()
        try await store.createSession(hash: fleet.hash(key), userName: name, role: role, at: now, expiresAt: now + Self.lifetime)
        return Self.setCookie(Self.cookie, key, path: "/", maxAge: Self.lifetime)
    }

    static func setCookie(_ name: String, _ value: String, path: String, maxAge: Int64) -> String {
        "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); HttpOnly; Secure; SameSite=Strict"
    }
}
