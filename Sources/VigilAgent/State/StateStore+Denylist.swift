import VigilSQL

/// A query the watchdog caught using too much while it ran, skipped until `until`.
public struct DenylistEntry: Sendable, Equatable {
    public var name: String
    /// Unix seconds when the query may run again.
    public var until: Int64
    /// Which limit was hit ("memory", "cpu", "latency").
    public var reason: String
    /// What was measured, as the watchdog reports it ("312 MB over 200 MB for 3 s").
    public var measured: String
    /// Unix seconds when it was denylisted.
    public var created: Int64

    public init(name: String, until: Int64, reason: String, measured: String, created: Int64) {
        self.name = name
        self.until = until
        self.reason = reason
        self.measured = measured
        self.created = created
    }
}

extension StateStore {
    /// Denylist `name` for `duration` seconds from `now`; a repeat replaces the earlier entry.
    public func denylist(_ name: String, for duration: Int64, reason: String, measured: String, at now: Int64) throws(SQLError) {
        try database.run("INSERT OR REPLACE INTO denylist(name, until, reason, measured, created) VALUES (?, ?, ?, ?, ?)", [
            .text(name), .integer(now + duration), .text(reason), .text(measured), .integer(now),
        ])
    }

    /// The entry that keeps `name` from running at `now`, if any (expired entries do not count).
    public func denylistEntry(_ name: String, at now: Int64) throws(SQLError) -> DenylistEntry? {
        try database.rows("SELECT name, until, reason, measured, created FROM denylist WHERE name = ? AND until > ?", [.text(name), .integer(now)])
            .first.map(Self.denylistEntry)
    }

    /// Every entry in force at `now`, by name.
    public func denylisted(at now: Int64) throws(SQLError) -> [DenylistEntry] {
        try database.rows("SELECT name, until, reason, measured, created FROM denylist WHERE until > ? ORDER BY name", [.integer(now)])
            .map(Self.denylistEntry)
    }

    /// Drop entries that ran out; the number dropped.
    @discardableResult
    public func removeExpiredDenylist(at now: Int64) throws(SQLError) -> Int {
        try database.run("DELETE FROM denylist WHERE until <= ?", [.integer(now)])
    }

    /// Lift a denylisting by hand.
    public func removeFromDenylist(_ name: String) throws(SQLError) {
        try database.run("DELETE FROM denylist WHERE name = ?", [.text(name)])
    }

    private static func denylistEntry(_ r: [SQLValue]) -> DenylistEntry {
        DenylistEntry(name: r[0].text ?? "", until: r[1].integer ?? 0, reason: r[2].text ?? "", measured: r[3].text ?? "", created: r[4].integer ?? 0)
    }
}
