import VigilServerStore
import VigilWire

/// The host details kept current by queries the hosts run in their distributed reads
/// (as Fleet's detail queries): OS, system info, agent version, uptime and interfaces,
/// refreshed hourly. Their ids start with `detail_`.
enum DetailQueries {
    static let prefix = "detail_"
    /// How often details are refreshed, and how long an unanswered ask waits before the next.
    static let refreshSeconds: Int64 = 3600
    static let retrySeconds: Int64 = 300

    static let queries: [String: String] = [
        "detail_os_version": "SELECT name, version, platform FROM os_version",
        "detail_system_info": "SELECT hostname, cpu_brand, physical_memory FROM system_info",
        "detail_osquery_info": "SELECT version FROM osquery_info",
        "detail_uptime": "SELECT total_seconds FROM uptime",
        "detail_interfaces": "SELECT interface, address, mask FROM interface_addresses",
    ]

    /// The queries to add to this host's read, if its details are due.
    static func due(for host: HostRecord, store: any ServerStore, now: Int64) async throws -> [String: String] {
        try await store.claimDetailRefresh(hostID: host.id, staleBefore: now - refreshSeconds, askedBefore: now - retrySeconds, at: now) ? queries : [:]
    }

    /// Fold the answers among a write into an update; nil when the write has none.
    static func update(from write: DistributedWriteRequest) -> HostDetailsUpdate? {
        let answered = write.queries.keys.filter { $0.hasPrefix(prefix) && (write.statuses?[$0] ?? 0) == 0 }
        guard !answered.isEmpty else { return nil }
        func first(_ id: String) -> [String: JSONValue]? { answered.contains(id) ? write.queries[id]?.first : nil }
        var u = HostDetailsUpdate()
        if let os = first("detail_os_version") {
            u.osName = os["name"]?.text
            u.osVersion = os["version"]?.text
            u.platform = os["platform"]?.text
        }
        if let info = first("detail_system_info") {
            u.hostname = info["hostname"]?.text
            u.cpuBrand = info["cpu_brand"]?.text
            u.physicalMemory = info["physical_memory"].flatMap { Int64($0.text) }
        }
        u.agentVersion = first("detail_osquery_info")?["version"]?.text
        u.uptimeSeconds = first("detail_uptime")?["total_seconds"].flatMap { Int64($0.text) }
        if answered.contains("detail_interfaces"), let rows = write.queries["detail_interfaces"] {
            u.interfaces = try? WireCoding.encodeString(rows.prefix(256).map { $0.filter { ["interface", "address", "mask"].contains($0.key) } })
        }
        return u
    }
}
