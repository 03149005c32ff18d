/// Everything the server keeps, behind one async interface, so that the embedded
/// SQLite store and a PostgreSQL one answer the same calls. The server holds no state
/// a second server on the same database would need: hosts, keys, campaigns, results
/// and tokens all live here.
public protocol ServerStore: ServerUIStore {
    // Enrollment and hosts
    func enrollSecretIsValid(_ secret: String) async throws -> Bool
    func addEnrollSecret(_ secret: String, name: String) async throws
    func revokeEnrollSecret(_ secret: String) async throws -> Bool
    func enrollSecrets() async throws -> [(secret: String, name: String, revoked: Bool)]
    /// Enroll (or re-enroll, by host identifier) a host under a new node key hash.
    func enroll(_ host: HostRecord, nodeKeyHash: String) async throws -> HostRecord
    func host(nodeKeyHash: String) async throws -> HostRecord?
    func host(id: Int64) async throws -> HostRecord?
    /// One page of hosts (no count): the REST API's list, filtered in the database.
    func hosts(_ query: HostPageQuery) async throws -> [HostRecord]
    func hostIDs(identifiers: [String]) async throws -> [Int64]
    /// Host identifiers to ids, the unknown ones absent.
    func hostIDsByIdentifier(_ identifiers: [String]) async throws -> [String: Int64]
    /// Many hosts' last-seen times in one transaction (the server batches them).
    func touch(_ lastSeen: [Int64: Int64]) async throws
    /// Forget a host: its node key stops working (the agent re-enrolls) and it leaves the
    /// host lists and counts until it does; its history stays.
    func deleteHost(id: Int64) async throws -> Bool

    /// Whether the host's details (OS, system info, uptime, interfaces) are older than
    /// `staleBefore` and not asked for since `askedBefore`; if so they count as asked now.
    func claimDetailRefresh(hostID: Int64, staleBefore: Int64, askedBefore: Int64, at: Int64) async throws -> Bool
    /// Record the answers to the detail queries.
    func updateDetails(hostID: Int64, _ details: HostDetailsUpdate, at: Int64) async throws
    func hostExtras(id: Int64) async throws -> (uptimeSeconds: Int64, interfaces: String, detailsUpdatedAt: Int64)?

    // Settings: the hosts' config, the admin password's hash
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, _ value: String) async throws

    // Results and status logs
    /// Store lines from one host; a line already stored for that host (an agent's resend)
    /// is not stored twice. Returns the indices of the lines that were new.
    func storeLogs(hostID: Int64, kind: String, lines: [(name: String, unixTime: Int64, line: String)]) async throws -> [Int]
    func logs(kind: String, name: String?, hostIdentifier: String?, limit: Int, offset: Int) async throws -> [StoredLog]
    func pruneLogs(olderThan: Int64) async throws -> Int
    /// Lines of either kind stored after line `after` up to line `through`, oldest first, at most `limit` (forwarding).
    func logs(after: Int64, through: Int64, limit: Int) async throws -> [StoredLog]
    /// The id of the newest stored line (0 when none).
    func lastLogID() async throws -> Int64

    // The durable OTLP export of the lines and of live-query answers: a cursor per stream
    // kept in `otlp_export`, one exporter at a time (a lease), moved only once the
    // collector has the items.
    /// Create the stream's cursor at its newest item, unless it exists (a database's history before the export is not sent).
    func startExport(_ stream: ExportStream) async throws
    /// Take or renew the lease for `owner` until `until`; the cursor, or nil while another exporter holds it.
    /// The items retention deleted before they were exported since the last claim come with it, and are reset.
    func claimExport(_ stream: ExportStream, owner: String, at: Int64, until: Int64) async throws -> ExportCursor?
    /// Record that items up to `through` are being sent (renewing the lease); false when the lease was lost.
    func sendingExport(_ stream: ExportStream, owner: String, through: Int64, until: Int64) async throws -> Bool
    /// Move the cursor to `through` (the collector has the items); false when the lease was lost.
    func exported(_ stream: ExportStream, owner: String, through: Int64) async throws -> Bool
    /// The newest id below which no item can still appear: every write that took an id
    /// up to it has ended (on PostgreSQL, writers on several servers commit out of id order).
    func settledID(_ stream: ExportStream) async throws -> Int64
    /// How many items of `stream` have ids in (`after`, `through`].
    func countExport(_ stream: ExportStream, after: Int64, through: Int64) async throws -> Int
    /// Lines with ids in (`after`, `through`], oldest first, at most `limit`, with their host and kind.
    func exportLogs(after: Int64, through: Int64, limit: Int) async throws -> [ExportLog]
    /// Answer rows with ids in (`after`, `through`], oldest first, at most `limit`.
    func exportAnswerRows(after: Int64, through: Int64, limit: Int) async throws -> [ExportAnswerRow]
    /// Agents' profiles stored in (`after`, `through`] of their order, oldest first, at most `limit`.
    func exportProfiles(after: Int64, through: Int64, limit: Int) async throws -> [ExportProfile]

    // Live queries
    func createCampaign(sql: String, hostIDs: [Int64], at: Int64) async throws -> Campaign
    func campaign(id: Int64) async throws -> Campaign?
    func campaignTargets(id: Int64) async throws -> [CampaignTarget]
    /// A live query's targets counted by state without reading each one: a pending or
    /// sent target whose host was last seen before `offlineBefore` counts as offline.
    func campaignCounts(id: Int64, offlineBefore: Int64) async throws -> [TargetState: Int]
    /// A live query's rows after row `after` (0: from the first), at most `limit`.
    func campaignRows(id: Int64, after: Int64, limit: Int) async throws -> [CampaignRow]
    /// The queries waiting for a host (campaign id → SQL), marked sent.
    func takePendingQueries(hostID: Int64, at: Int64) async throws -> [Int64: String]
    /// What waits for a host, in one read: every poll of every agent asks, and mostly
    /// nothing does, so the writes that hand work out run only when this says so.
    func pendingWork(hostID: Int64, labelsStaleBefore: Int64, detailsStaleBefore: Int64, detailsAskedBefore: Int64,
                     openCampaignsSince: Int64) async throws -> PendingWork
    /// The host a node key belongs to and its `pendingWork`, in one read: an agent's poll,
    /// the most frequent request, costs one trip to the database.
    func polling(nodeKeyHash: String, labelsStaleBefore: Int64, detailsStaleBefore: Int64, detailsAskedBefore: Int64,
                 openCampaignsSince: Int64) async throws -> (host: HostRecord, work: PendingWork)?
    /// Record a host's answer to a campaign; ignored unless the campaign targets that host
    /// and it has not answered yet (a host cannot write into another's query).
    func recordAnswer(campaignID: Int64, hostID: Int64, rows: [String], error: String?, at: Int64) async throws -> Bool
    /// Delete live queries created before `olderThan`, with their targets and rows; how many.
    func pruneCampaigns(olderThan: Int64) async throws -> Int

    // Agents' own health (Vigil's telemetry)
    /// Store one report: new points, the schedule's costs (replacing the host's previous
    /// ones), new watchdog events (JSON objects) and the counters (JSON arrays).
    func storeTelemetry(hostID: Int64, points: [TelemetryPoint], schedule: [HostQueryStats], watchdog: [String],
                        events: String, outputs: String, at: Int64) async throws
    /// Points since `since`: 10 s points for the last day, 5-minute averages before.
    func telemetry(hostID: Int64, since: Int64) async throws -> [TelemetryPoint]
    func hostSchedule(hostID: Int64) async throws -> [HostQueryStats]
    func hostWatchdog(hostID: Int64, limit: Int) async throws -> [String]
    func hostHealth(hostID: Int64) async throws -> HostHealth?
    /// Each scheduled query's cost across the hosts that run it, with percentiles over
    /// hosts (at most `sampleHosts` of them a query), computed by the database (the
    /// fleet's rows never travel to the server).
    func queryPerformance(sampleHosts: Int) async throws -> [QueryPerformance]
    /// The hosts where the query named `name` costs most per run, by `order`, at most `limit`.
    func queryHosts(name: String, order: QueryCostOrder, limit: Int) async throws -> [(host: HostRecord, stats: HostQueryStats)]
    /// Average points older than `before` into 5-minute points; delete those older than `dropBefore`.
    func downsampleTelemetry(before: Int64, dropBefore: Int64) async throws

    // Labels and packs
    func createLabel(_ label: LabelRecord, members: [Int64]) async throws -> LabelRecord
    /// Change a label's description and query; a manual label's members are replaced by
    /// `members` when given. False when there is no such label.
    func updateLabel(_ label: LabelRecord, members: [Int64]?) async throws -> Bool
    func labels() async throws -> [LabelRecord]
    func deleteLabel(id: Int64) async throws -> Bool
    func labelMembers(id: Int64) async throws -> [Int64]
    func labelIDs(hostID: Int64) async throws -> [Int64]
    /// Dynamic labels whose membership for this host is older than `staleBefore` (or unknown).
    func staleLabelQueries(hostID: Int64, staleBefore: Int64) async throws -> [(id: Int64, sql: String)]
    func setMembership(labelID: Int64, hostID: Int64, member: Bool, at: Int64) async throws
    func createPack(_ pack: PackRecord) async throws -> PackRecord
    func packs() async throws -> [PackRecord]
    /// The fleet's config, the packs and the host's labels, in one read.
    func configSources(hostID: Int64) async throws -> ConfigSources
    func deletePack(id: Int64) async throws -> Bool
    /// Replace a pack's name, body and labels; false when there is no such pack.
    func updatePack(_ pack: PackRecord) async throws -> Bool

    // Profiles of agents
    func requestProfile(hostID: Int64, seconds: Int, frequency: Int, at: Int64) async throws -> Int64
    /// Requests waiting for this host, marked sent.
    func takeProfileRequests(hostID: Int64) async throws -> [(id: Int64, seconds: Int, frequency: Int)]
    /// Store an agent's profile; ignored unless the request is this host's and not yet answered.
    func storeProfile(id: Int64, hostID: Int64, pprof: [UInt8]?, report: String?, samples: Int?, error: String?, at: Int64) async throws -> Bool
    /// A continuous profile the agent sent unasked; its id.
    func storeContinuousProfile(hostID: Int64, pprof: [UInt8], seconds: Int, at: Int64) async throws -> Int64
    func pruneProfiles(olderThan: Int64) async throws -> Int
    /// A profile a server takes of itself (stored as host 0's, answered with `storeProfile`).
    func requestServerProfile(server: String, seconds: Int, frequency: Int, at: Int64) async throws -> Int64
    /// That server's profiles, newest first.
    func serverProfiles(server: String) async throws -> [ProfileRecord]
    func profiles(hostID: Int64) async throws -> [ProfileRecord]
    func profile(id: Int64, withData: Bool) async throws -> ProfileRecord?

    // Work for held reads, across every server on the database
    /// Tell every server on this database (this one too) that these hosts have work
    /// waiting (a live query, a profile request), so that their held reads answer now.
    func announceWork(hostIDs: [Int64]) async throws
    /// The hosts announced by any server on this database, as announcements arrive.
    func workAnnouncements() -> AsyncStream<[Int64]>
    /// Tell every server on this database that these live queries changed (a target was
    /// sent its query or answered), so that their result streams read again now.
    func announceAnswers(campaignIDs: [Int64]) async throws
    /// The live queries announced by any server, by callback as they arrive.
    func subscribeAnswers(_ handler: @escaping @Sendable ([Int64]) -> Void)

    /// Whether the database answers a trivial query now (readiness).
    func ping() async throws
    /// `sqlite` or `postgres`, for health answers and logs.
    var dialectName: String { get }

    /// Close the database's connections; nothing is asked of the store afterwards.
    func shutdown() async

    // API tokens
    func addToken(hash: String, role: TokenRole, name: String, at: Int64) async throws
    func tokenRole(hash: String) async throws -> TokenRole?
    func tokens() async throws -> [APIToken]
    func revokeToken(hash: String) async throws -> Bool
    /// The token with this hash (its name and role), if any.
    func token(hash: String) async throws -> APIToken?

    // The audit log: changes through the API and the UI, and refused attempts
    func addAudit(_ entry: AuditEntry) async throws
    /// The newest entries first, paged.
    func auditLog(limit: Int, offset: Int) async throws -> [AuditEntry]
}

extension ServerStore {
    /// Percentiles over at most 5,000 hosts a query (see SQLServerStore+Performance).
    public func queryPerformance() async throws -> [QueryPerformance] { try await queryPerformance(sampleHosts: 5_000) }
}
