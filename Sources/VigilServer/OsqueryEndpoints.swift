import Foundation
import Hummingbird
import VigilServerStore
import VigilWire

/// osquery's TLS API at Fleet's paths, and Vigil's held-open read beside it. osquery
/// reads the body whatever the status; an unknown node key gets HTTP 401 with
/// `node_invalid: true`, which makes the agent enroll again.
struct OsqueryEndpoints {
    let fleet: FleetContext

    func register(on router: Router<FleetRequestContext>) {
        router.post(RouterPath(OsqueryPaths.enroll)) { request, context in
            try await enroll(request, source: EnrollLimiter.source(context.remoteAddress))
        }
        router.post(RouterPath(OsqueryPaths.config)) { request, _ in try await config(request) }
        router.post(RouterPath(OsqueryPaths.log)) { request, _ in try await log(request) }
        router.post(RouterPath(OsqueryPaths.distributedRead)) { request, _ in try await distributedRead(request) }
        router.post(RouterPath(OsqueryPaths.distributedWrite)) { request, _ in try await distributedWrite(request) }
        router.post(RouterPath(VigilPaths.distributedWait)) { request, _ in try await distributedWait(request) }
        router.post(RouterPath(VigilPaths.distributedWriteWait)) { request, _ in try await distributedWriteWait(request) }
        router.post(RouterPath(VigilPaths.telemetry)) { request, _ in try await telemetry(request) }
        router.post(RouterPath(VigilPaths.profile)) { request, _ in try await profileUpload(request) }
    }

    /// The two answers most requests get, encoded once.
    static let ack = HTTPJSON.encodedOnce(AckResponse())
    static let noWork = HTTPJSON.encodedOnce(DistributedReadResponse())

    static func invalid(_ why: String) -> Response {
        HTTPJSON.response(NodeInvalidResponse(error: why), status: .unauthorized)
    }

    /// The host a node key belongs to, seen now; nil for an unknown or revoked key.
    func authenticate(_ nodeKey: String) async throws -> HostRecord? {
        guard !nodeKey.isEmpty, let host = try await fleet.store.host(nodeKeyHash: Secrets.hash(nodeKey)) else { return nil }
        fleet.lastSeen.seen(host.id, at: FleetContext.now())
        return host
    }

    /// A config or read request's body, 400 when malformed.
    func nodeRequest(_ request: Request) async throws -> NodeRequest {
        do { return try NodeBody.parse(try await HTTPJSON.bytes(request)) } catch let error as JSONScanner.Malformed {
            throw HTTPError(.badRequest, message: error.description)
        }
    }

    func enroll(_ request: Request, source: String) async throws -> Response {
        // Checked before the body is read: a flood costs the server as little as possible.
        if let wait = fleet.enrollLimiter.admit(source) {
            fleet.metrics.enrollmentLimited()
            var headers = HTTPFields()
            headers[.retryAfter] = String(wait)
            return HTTPJSON.response(EnrollResponse(nodeInvalid: true, error: "too many enrollments from \(source): retry in \(wait) s"),
                                     status: .tooManyRequests, headers: headers)
        }
        let body = try await HTTPJSON.decode(EnrollRequest.self, request)
        guard try await fleet.store.enrollSecretIsValid(body.enrollSecret) else {
            fleet.enrollLimiter.chargeFailure(source)
            fleet.metrics.enrollment(accepted: false)
            fleet.logger.warning("enroll refused: invalid enroll secret", metadata: ["host_identifier": "\(body.hostIdentifier.prefix(100))"])
            return HTTPJSON.response(EnrollResponse(nodeInvalid: true, error: "invalid enroll secret"), status: .unauthorized)
        }
        guard !body.hostIdentifier.isEmpty, body.hostIdentifier.utf8.count <= 255 else {
            return HTTPJSON.response(EnrollResponse(nodeInvalid: true, error: "host_identifier must be 1 to 255 bytes"), status: .badRequest)
        }
        fleet.metrics.enrollment(accepted: true)
        let nodeKey = Secrets.newKey()
        let host = try await fleet.store.enroll(HostRecord(enrollment: body, at: FleetContext.now()), nodeKeyHash: Secrets.hash(nodeKey))
        fleet.logger.info("host enrolled", metadata: ["host_identifier": "\(host.hostIdentifier)", "id": "\(host.id)", "agent": "\(host.agent)"])
        return HTTPJSON.response(EnrollResponse(nodeKey: nodeKey))
    }

    func config(_ request: Request) async throws -> Response {
        let body = try await nodeRequest(request)
        guard let host = try await authenticate(body.nodeKey) else { return Self.invalid("unknown node key") }
        let config = try await ConfigAssembly.config(for: host, store: fleet.store)
        let etag = Secrets.hash(config)
        var headers = HTTPFields()
        headers[.eTag] = "\"\(etag)\""
        // Unchanged since the agent's copy: a few bytes instead of the whole config
        // (Fleet found configs to be most of its egress).
        if body.etag == etag || request.headers[.ifNoneMatch] == "\"\(etag)\"" {
            return HTTPJSON.response(["etag": "ok"], headers: headers)
        }
        return HTTPJSON.raw(Data(config.utf8), headers: headers)
    }

    func log(_ request: Request) async throws -> Response {
        let body: LogBody
        do { body = try LogBody(try await HTTPJSON.bytes(request)) } catch let error as JSONScanner.Malformed {
            throw HTTPError(.badRequest, message: error.description)
        }
        guard let logType = body.logType else { throw HTTPError(.badRequest, message: "log_type is result or status") }
        guard let host = try await authenticate(body.nodeKey) else { return Self.invalid("unknown node key") }
        // A line is stored as the host sent it, but with hostIdentifier as the host
        // enrolled: no host writes lines that claim to be another's.
        let lines = body.lines.map { line in
            (name: line.name, unixTime: line.unixTime ?? FleetContext.now(), line: body.text(line, hostIdentifier: host.hostIdentifier))
        }
        let stored = try await fleet.store.storeLogs(hostID: host.id, kind: logType.rawValue, lines: lines)
        fleet.metrics.logLines(kind: logType.rawValue, stored: stored.count, duplicates: lines.count - stored.count,
                               bytes: lines.reduce(0) { $0 + $1.line.utf8.count })
        // (The OTLP export reads new lines from the store: OTLPStoreExport.)
        if logType == .result {
            // Only what was new: an agent's resend is stored and logged once.
            do {
                try fleet.resultsLog.append(stored.map { lines[$0].line })
            } catch {
                fleet.logger.error("results.log not written (the results are stored): \(error)")
            }
        }
        return HTTPJSON.raw(Self.ack)
    }

    func distributedRead(_ request: Request) async throws -> Response {
        let body = try await nodeRequest(request)
        let window = WorkWindow(fleet.options)
        guard !body.nodeKey.isEmpty,
              let (host, work) = try await fleet.store.polling(nodeKeyHash: Secrets.hash(body.nodeKey), labelsStaleBefore: window.labelsStaleBefore,
                                                               detailsStaleBefore: window.detailsStaleBefore, detailsAskedBefore: window.detailsAskedBefore,
                                                               openCampaignsSince: window.openCampaignsSince)
        else { return Self.invalid("unknown node key") }
        fleet.lastSeen.seen(host.id, at: FleetContext.now())
        return try await pendingQueries(for: host, work: work)
    }

    /// Vigil's held-open read: the same answer as distributed/read, given as soon as a
    /// live query targets the host, or empty after the wait.
    func distributedWait(_ request: Request) async throws -> Response {
        let body = try await HTTPJSON.decode(DistributedWaitRequest.self, request)
        guard let host = try await authenticate(body.nodeKey) else { return Self.invalid("unknown node key") }
        return try await heldRead(for: host, wait: body.wait)
    }

    /// The held read for a host: its work once there is some, or none after the wait.
    func heldRead(for host: HostRecord, wait: Int) async throws -> Response {
        let seconds = max(0, min(wait, DistributedWaitRequest.maxWaitSeconds, fleet.options.heldReadSeconds))
        // Work waiting now (details due among it) ends the wait at once.
        await fleet.hub.wait(hostID: host.id, seconds: seconds) { ((try? await self.pendingWork(for: host))?.forHost) ?? true }
        fleet.lastSeen.seen(host.id, at: FleetContext.now())
        return try await pendingQueries(for: host)
    }

    /// Vigil's write-and-read: the answers stored as `distributedWrite` stores them, then
    /// the held read. An agent that loses the answer sends the write again; a second
    /// answer to a live query is ignored, so it is not counted twice.
    func distributedWriteWait(_ request: Request) async throws -> Response {
        let (body, host) = try await write(request)
        guard let host else { return Self.invalid("unknown node key") }
        return try await heldRead(for: host, wait: body.wait ?? 0)
    }

    /// Which of a host's work is due now: the times its checks compare with.
    struct WorkWindow {
        var labelsStaleBefore, detailsStaleBefore, detailsAskedBefore, openCampaignsSince: Int64

        init(_ options: ServerOptions, now: Int64 = FleetContext.now()) {
            labelsStaleBefore = now - Int64(options.labelRefreshSeconds)
            detailsStaleBefore = now - DetailQueries.refreshSeconds
            detailsAskedBefore = now - DetailQueries.retrySeconds
            openCampaignsSince = now - Int64(options.accelerateSeconds)
        }
    }

    /// What waits for the host, in one read.
    func pendingWork(for host: HostRecord) async throws -> PendingWork {
        let window = WorkWindow(fleet.options)
        return try await fleet.store.pendingWork(hostID: host.id, labelsStaleBefore: window.labelsStaleBefore,
                                                 detailsStaleBefore: window.detailsStaleBefore, detailsAskedBefore: window.detailsAskedBefore,
                                                 openCampaignsSince: window.openCampaignsSince)
    }

    /// The host's work now: live queries, stale labels, due details and, for a Vigil
    /// agent, profile requests. Each is claimed (a write) only when `work`, read first,
    /// says it is there: most polls find nothing and cost one read.
    func pendingQueries(for host: HostRecord, work known: PendingWork? = nil) async throws -> Response {
        let work: PendingWork
        if let known { work = known } else { work = try await pendingWork(for: host) }
        let now = FleetContext.now()
        var queries: [String: String] = [:]
        if work.liveQueries {
            let pending = try await fleet.store.takePendingQueries(hostID: host.id, at: now)
            // Their targets now read "sent": the streams of those live queries show it.
            if !pending.isEmpty { try await fleet.store.announceAnswers(campaignIDs: Array(pending.keys)) }
            for (id, sql) in pending { queries[String(id)] = sql }
        }
        // Dynamic labels the host has not answered lately (Fleet refreshes them hourly).
        if work.staleLabels {
            for label in try await fleet.store.staleLabelQueries(hostID: host.id, staleBefore: now - Int64(fleet.options.labelRefreshSeconds)) {
                queries[LabelQuery.prefix + String(label.id)] = label.sql
            }
        }
        if work.details {
            for (id, sql) in try await DetailQueries.due(for: host, store: fleet.store, now: now) { queries[id] = sql }
        }
        var response = DistributedReadResponse(queries: queries)
        if host.agent == "vigil", work.profiles {
            let profiles = try await fleet.store.takeProfileRequests(hostID: host.id)
            if !profiles.isEmpty { response.vigilProfiles = profiles.map { ProfileRequest(id: $0.id, seconds: $0.seconds, frequency: $0.frequency) } }
        }
        // Stock osquery polls; while a live query still waits for some host, ask it to
        // poll every few seconds rather than every distributed_interval.
        if host.agent != "vigil", work.openCampaigns {
            response.accelerate = fleet.options.accelerateSeconds
        }
        return response == DistributedReadResponse() ? HTTPJSON.raw(Self.noWork) : HTTPJSON.response(response)
    }

    func distributedWrite(_ request: Request) async throws -> Response {
        let (_, host) = try await write(request)
        return host == nil ? Self.invalid("unknown node key") : HTTPJSON.raw(Self.ack)
    }

    /// Stores a distributed write's answers; the host is nil for an unknown node key.
    func write(_ request: Request) async throws -> (DistributedWriteBody, HostRecord?) {
        let limit = fleet.options.maxRowsPerAnswer
        let body: DistributedWriteBody
        do { body = try DistributedWriteBody(try await HTTPJSON.bytes(request), rowLimit: limit) } catch let error as JSONScanner.Malformed {
            throw HTTPError(.badRequest, message: error.description)
        }
        guard let host = try await authenticate(body.nodeKey) else { return (body, nil) }
        let now = FleetContext.now()
        if let details = DetailQueries.update(from: body.detailRequest()) { try await fleet.store.updateDetails(hostID: host.id, details, at: now) }
        let ids = Set(body.answers.keys).union(body.statuses.keys)
        var answered: [Int64] = []
        for id in ids where !id.hasPrefix(DetailQueries.prefix) {
            let status = body.statuses[id] ?? 0
            let answer = body.answers[id] ?? DistributedWriteBody.Answer()
            if let label = LabelQuery.id(id) {
                // A member while its query returns rows; a failed query is no membership.
                try await fleet.store.setMembership(labelID: label, hostID: host.id, member: status == 0 && answer.total > 0, at: now)
                continue
            }
            guard let campaign = Int64(id) else { continue }
            let rows = answer.rows.map(body.row)
            var error: String? = status == 0 ? nil : (body.messages[id].flatMap { $0.isEmpty ? nil : $0 } ?? "query failed with status \(status)")
            if answer.total > rows.count { error = error ?? "answer cut at \(limit) rows" }
            // Ignored unless this campaign targets this host and it had not answered.
            if try await fleet.store.recordAnswer(campaignID: campaign, hostID: host.id, rows: rows, error: error, at: now) {
                // (The OTLP export reads the answer from the store, durably.)
                fleet.metrics.liveQueryAnswer(failed: error != nil)
                answered.append(campaign)
            }
        }
        if !answered.isEmpty { try await fleet.store.announceAnswers(campaignIDs: answered) }
        return (body, host)
    }
}

/// The distributed query ids of dynamic labels: `label_<id>`.
enum LabelQuery {
    static let prefix = "label_"
    static func id(_ queryID: String) -> Int64? {
        queryID.hasPrefix(prefix) ? Int64(queryID.dropFirst(prefix.count)) : nil
    }
}

/// What a host gets when nobody has set a config: a small inventory schedule, and
/// Fleet's intervals for checking in.
enum ServerDefaults {
    static let config = """
        {"options":{"distributed_interval":10,"logger_tls_period":10,"config_refresh":60},\
        "schedule":{"system_info":{"query":"SELECT hostname, cpu_brand, physical_memory FROM system_info","interval":3600,"snapshot":true},\
        "os_version":{"query":"SELECT name, version, platform FROM os_version","interval":3600,"snapshot":true},\
        "listening_ports":{"query":"SELECT pid, port, protocol, address FROM listening_ports","interval":300}}}
        """
}
