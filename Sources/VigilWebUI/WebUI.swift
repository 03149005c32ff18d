import Foundation
import Hummingbird
import VigilServerStore

/// The web UI: pages rendered on the server at `/`, its stylesheet and script, and the
/// checks in front of every page (a session for each, the CSRF token and the admin role
/// for each change). Registered on the server's router by VigilServer.
public struct WebUI: Sendable {
    let store: any ServerStore
    let fleet: any WebUIFleet
    let sessions: Sessions
    /// The dashboard's costliest scheduled queries, summed over every host's rows.
    let costliest: TimedCache<[ScheduledQueryCost]>
    /// The dashboard's enrollments over 30 days and losses: each reads every host's row.
    let enrollments: TimedCache<(before: Int, buckets: [(time: Int64, hosts: Int)])>
    let losses: TimedCache<(eventsLost: Int64, outputsDropped: Int64, hosts: [HostLosses])>
    /// The query performance page's percentiles (over a sample of every host's rows).
    let performance: TimedCache<[QueryPerformance]>
    /// The hosts page's list of operating systems (a walk of an index at 100,000 hosts).
    let osNames: TimedCache<[(name: String, hosts: Int)]>
    /// The query performance drill-down: one query's costliest hosts, by each order.
    let queryHosts: TimedCacheMap<QueryHostsKey, [(host: HostRecord, stats: HostQueryStats)]>

    /// `summarySeconds`: how often the fleet-wide sums are recomputed.
    public init(store: any ServerStore, fleet: any WebUIFleet, summarySeconds: Int64 = 60) {
        self.store = store
        self.fleet = fleet
        sessions = Sessions(store: store, fleet: fleet)
        costliest = TimedCache(seconds: summarySeconds) { try await store.costliestQueries(limit: 10) }
        enrollments = TimedCache(seconds: summarySeconds) { try await store.enrollments(since: WebUI.now() - 30 * 86_400, bucketSeconds: 86_400) }
        losses = TimedCache(seconds: summarySeconds) { try await store.losses(limit: 10) }
        performance = TimedCache(seconds: summarySeconds) { try await store.queryPerformance() }
        osNames = TimedCache(seconds: summarySeconds) { try await store.hostOSNames() }
        queryHosts = TimedCacheMap(seconds: summarySeconds) { key in try await store.queryHosts(name: key.name, order: key.order, limit: 50) }
    }

    /// Fill the fleet-wide sums before the first page asks for them (the server calls this
    /// at start), so that no visitor waits for them.
    public func warmCaches() async {
        guard costliest.seconds > 0 else { return }
        let now = Self.now()
        await costliest.refresh(now: now)
        await enrollments.refresh(now: now)
        await losses.refresh(now: now)
        await performance.refresh(now: now)
        await osNames.refresh(now: now)
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        let ui = router.group().add(middleware: SecurityHeaders<Context>())
        ui.get("/static/vigil.css") { _, _ in Assets.response(Assets.css, type: "text/css; charset=utf-8") }
        ui.get("/static/live.js") { _, _ in Assets.response(Assets.liveJS, type: "text/javascript; charset=utf-8") }
        ui.get("/static/sql.js") { _, _ in Assets.response(Assets.sqlJS, type: "text/javascript; charset=utf-8") }
        ui.get("/static/status.js") { _, _ in Assets.response(Assets.statusJS, type: "text/javascript; charset=utf-8") }
        ui.get("/static/profile.js") { _, _ in Assets.response(Assets.profileJS, type: "text/javascript; charset=utf-8") }
        ui.get("/login") { r, _ in await respond { try await loginPage(r) } }
        ui.post("/login") { r, c in await respond { try await logIn(r, source: Self.source(c)) } }
        ui.post("/logout") { r, c in await change(r, c, admin: false) { v, _ in try await logOut(v) } }
        ui.get("/") { r, _ in await page(r) { v in try await dashboard(r, v) } }
        ui.get("/hosts") { r, _ in await page(r) { v in try await hostsPage(r, v) } }
        ui.get("/hosts/:id") { r, c in await page(r) { v in try await hostPage(try Self.id(c), r, v) } }
        ui.post("/hosts/:id/query") { r, c in await change(r, c, admin: true) { v, f in try await runOnHost(try Self.id(c), f, v) } }
        ui.post("/hosts/:id/profile") { r, c in await change(r, c, admin: true) { v, _ in try await profileHost(try Self.id(c), v) } }
        ui.post("/server/profile") { r, c in await change(r, c, admin: true) { _, _ in try await profileServer() } }
        ui.get("/profiles/compare") { r, _ in await page(r) { v in try await comparePage(r, v) } }
        ui.get("/profiles/:id/pprof") { r, c in await page(r) { _ in try await pprof(try Self.id(c)) } }
        ui.get("/live") { r, _ in await page(r) { v in try await liveForm(v, form: nil, error: nil) } }
        ui.post("/live") { r, c in await change(r, c, admin: true) { v, f in try await startLive(f, v) } }
        ui.get("/live/:id") { r, c in await page(r) { v in try await campaignPage(try Self.id(c), r, v) } }
        ui.get("/live/:id/results.csv") { r, c in await page(r) { _ in try await export(try Self.id(c), csv: true) } }
        ui.get("/live/:id/results.json") { r, c in await page(r) { _ in try await export(try Self.id(c), csv: false) } }
        ui.get("/users") { r, _ in await page(r) { v in try await usersPage(v, created: nil) } }
        ui.post("/users") { r, c in await change(r, c, admin: true) { v, f in try await createUser(f, v) } }
        ui.post("/users/delete") { r, c in await change(r, c, admin: true) { v, f in try await deleteUser(f, v) } }
        ui.post("/users/role") { r, c in await change(r, c, admin: true) { v, f in try await changeRole(f, v) } }
        ui.get("/queries") { r, _ in await page(r) { v in try await queriesPage(v) } }
        ui.get("/queries/edit") { r, _ in await page(r) { v in try await editQueryPage(r, v) } }
        ui.post("/queries") { r, c in await change(r, c, admin: true) { v, f in try await saveQuery(f, v) } }
        ui.post("/queries/delete") { r, c in await change(r, c, admin: true) { v, f in try await deleteQuery(f, v) } }
        ui.get("/labels") { r, _ in await page(r) { v in try await labelsPage(v) } }
        ui.get("/labels/:id/edit") { r, c in await page(r) { v in try await editLabelPage(try Self.id(c), v) } }
        ui.post("/labels") { r, c in await change(r, c, admin: true) { v, f in try await saveLabel(nil, f, v) } }
        ui.post("/labels/:id") { r, c in await change(r, c, admin: true) { v, f in try await saveLabel(try Self.id(c), f, v) } }
        ui.post("/labels/:id/delete") { r, c in await change(r, c, admin: true) { v, _ in try await deleteLabel(try Self.id(c), v) } }
        ui.get("/packs") { r, _ in await page(r) { v in try await packsPage(v) } }
        ui.get("/packs/:id/edit") { r, c in await page(r) { v in try await editPackPage(try Self.id(c), v) } }
        ui.post("/packs") { r, c in await change(r, c, admin: true) { v, f in try await savePack(nil, f, v) } }
        ui.post("/packs/:id") { r, c in await change(r, c, admin: true) { v, f in try await savePack(try Self.id(c), f, v) } }
        ui.post("/packs/:id/delete") { r, c in await change(r, c, admin: true) { v, _ in try await deletePack(try Self.id(c), v) } }
        ui.get("/performance") { r, _ in await page(r) { v in try await performancePage(v) } }
        ui.get("/performance/query") { r, _ in await page(r) { v in try await queryHostsPage(r, v) } }
        ui.get("/settings") { r, _ in await page(r) { v in try await settingsPage(v) } }
        ui.post("/settings/secrets") { r, c in await change(r, c, admin: true) { v, f in try await addSecret(f, v) } }
        ui.post("/settings/secrets/revoke") { r, c in await change(r, c, admin: true) { v, f in try await revokeSecret(f, v) } }
        ui.post("/settings/tokens") { r, c in await change(r, c, admin: true) { v, f in try await createToken(f, v) } }
        ui.post("/settings/tokens/revoke") { r, c in await change(r, c, admin: true) { v, f in try await revokeToken(f, v) } }
        // The editor's schema check: reads nothing, changes nothing, so any role may ask.
        ui.post("/check") { r, c in await change(r, c, admin: false) { _, f in checkSQL(f) } }
    }

    /// For the REST API: the role of a logged-in browser, so that the campaign page's
    /// script can follow the API's event stream with its cookie (reads only: the API's
    /// changes need a token, which no other site can make a browser send).
    public func sessionRole(_ request: Request) async throws -> TokenRole? {
        try await sessions.visitor(request, now: Self.now())?.role
    }

    static func id<C: RequestContext>(_ context: C) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound, message: "no such page") }
        return id
    }

    /// Any failure becomes a page that says what went wrong (never a bare error, which
    /// would also miss the security headers).
    func respond(_ body: () async throws -> Response) async -> Response {
        do { return try await body() } catch let error as HTTPError {
            return Pages.error(error.status, error.body ?? "\(error.status)")
        } catch {
            return Pages.error(.internalServerError, "the server could not answer: \(error)")
        }
    }

    /// A page for logged-in users; anyone else is sent to the login form.
    func page(_ request: Request, _ body: (Visitor) async throws -> Response) async -> Response {
        await respond {
            guard let visitor = try await sessions.visitor(request, now: Self.now()) else { return Response.redirect(to: "/login") }
            return try await body(visitor)
        }
    }

    /// A change: it needs a session, the session's CSRF token in the form, and for most,
    /// an admin. Anything short of that is refused with 403 before the form is used.
    /// Each change, and each refused attempt, goes to the audit log (the schema check,
    /// which changes nothing, does not).
    func change<C: RequestContext>(_ request: Request, _ context: C, admin: Bool, _ body: (Visitor, Form) async throws -> Response) async -> Response {
        let note = AuditNote()
        var actor = "anonymous", target = request.uri.path
        let response = await respond {
            guard let visitor = try await sessions.visitor(request, now: Self.now()),
                  let key = request.cookies[Sessions.cookie]?.value else {
                return Pages.error(.forbidden, "log in first")
            }
            actor = "user:\(visitor.name) (\(visitor.role.rawValue))"
            let form = try await Form.read(request)
            // The form's subject (a user, label, secret or token name), never a password.
            if let name = form["name"] ?? form["username"] { target += " name=" + String(name.prefix(100)) }
            guard sessions.checkCSRF(form, key: key) else {
                return Pages.error(.forbidden, "the form's CSRF token is missing or wrong: reload the page and send it again")
            }
            guard !admin || visitor.isAdmin else {
                return Pages.error(.forbidden, "\(visitor.name) is an observer: observers can look but not change anything")
            }
            return try await AuditNote.$current.withValue(note) { try await body(visitor, form) }
        }
        if request.uri.path != "/check" {
            await audit(AuditEntry(at: Self.now(), actor: actor, source: Self.source(context), action: "POST \(request.uri.path)",
                                   target: target, status: Int(response.status.code), detail: note.detail))
        }
        return response
    }

    /// Writes an audit entry. A failure to write it does not undo the change; it is said
    /// on standard error, where the server's own log goes.
    func audit(_ entry: AuditEntry) async {
        do { try await store.addAudit(entry) } catch {
            FileHandle.standardError.write(Data("vigil server: audit log: cannot record \(entry.action) by \(entry.actor): \(error)\n".utf8))
        }
    }

    /// The client's address, when the server's context knows it.
    static func source<C: RequestContext>(_ context: C) -> String {
        (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "unknown"
    }
}
