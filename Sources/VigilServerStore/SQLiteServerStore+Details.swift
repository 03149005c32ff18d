import VigilSQL

extension SQLiteServerStore {
    public func claimDetailRefresh(hostID: Int64, staleBefore: Int64, askedBefore: Int64, at time: Int64) async throws -> Bool {
        try await run { db in
            try db.run("""
                UPDATE hosts SET details_requested_at = ? WHERE id = ? AND details_updated_at < ? AND details_requested_at < ?
                """, [.integer(time), .integer(hostID), .integer(staleBefore), .integer(askedBefore)]) > 0
        }
    }

    public func updateDetails(hostID: Int64, _ d: HostDetailsUpdate, at time: Int64) async throws {
        try await run { db in
            try db.transaction { () throws(SQLError) in
                let text: [(String, String?)] = [("hostname", d.hostname), ("os_name", d.osName), ("os_version", d.osVersion),
                                                 ("platform", d.platform), ("agent_version", d.agentVersion), ("cpu_brand", d.cpuBrand),
                                                 ("interfaces", d.interfaces)]
                for (column, value) in text {
                    if let value { try db.run("UPDATE hosts SET \(column) = ? WHERE id = ?", [.text(value), .integer(hostID)]) }
                }
                let numbers: [(String, Int64?)] = [("physical_memory", d.physicalMemory), ("uptime_seconds", d.uptimeSeconds)]
                for (column, value) in numbers {
                    if let value { try db.run("UPDATE hosts SET \(column) = ? WHERE id = ?", [.integer(value), .integer(hostID)]) }
                }
                try db.run("UPDATE hosts SET details_updated_at = ? WHERE id = ?", [.integer(time), .integer(hostID)])
            }
        }
    }

    public func hostExtras(id: Int64) async throws -> (uptimeSeconds: Int64, interfaces: String, detailsUpdatedAt: Int64)? {
        let row = try await read { db in
            try db.rows("SELECT uptime_seconds, interfaces, details_updated_at FROM hosts WHERE id = ?", [.integer(id)]).first
        }
        return row.map { (uptimeSeconds: $0[0].integer ?? 0, interfaces: $0[1].text ?? "[]", detailsUpdatedAt: $0[2].integer ?? 0) }
    }
}
