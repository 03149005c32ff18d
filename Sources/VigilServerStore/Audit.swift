import Synchronization

/// One change made through the REST API or the web UI (or an attempt refused), as the
/// audit log keeps it: who, from where, what, on what, and how it ended.
public struct AuditEntry: Sendable, Equatable, Encodable {
    public var id: Int64
    public var at: Int64
    /// `token:NAME (ROLE)`, `user:NAME (ROLE)`, `password` (the admin password's login), or `anonymous`.
    public var actor: String
    /// The client's address.
    public var source: String
    /// The route: `POST /api/v1/queries/run`, `POST /users/delete`.
    public var action: String
    /// What it was done to: the request's path and the form's name field, if any.
    public var target: String
    /// The HTTP status it was answered with.
    public var status: Int
    /// What the change said, where that matters for an audit: a live query's SQL.
    public var detail: String

    public init(id: Int64 = 0, at: Int64, actor: String, source: String, action: String, target: String, status: Int, detail: String = "") {
        self.id = id
        self.at = at
        self.actor = actor
        self.source = source
        self.action = action
        self.target = target
        self.status = status
        self.detail = detail
    }
}

/// What a handler adds to the audit entry of the change it is serving: set by the
/// route's wrapper for the length of the request (a task local), filled by the code
/// that knows the detail (the live query's SQL), read when the entry is written.
public final class AuditNote: Sendable {
    @TaskLocal public static var current: AuditNote?

    private let text = Mutex("")
    public init() {}

    public var detail: String {
        get { text.withLock { $0 } }
        set { text.withLock { $0 = String(newValue.prefix(AuditNote.maxDetailBytes)) } }
    }

    /// A detail is kept to 65,536 characters (a live query's SQL is at most 64 KiB anyway).
    public static let maxDetailBytes = 65_536
}
