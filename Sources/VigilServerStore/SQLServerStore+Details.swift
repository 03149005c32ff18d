import VigilSQL

extension SQLServerStore {
    public func claimDetailRefresh(hostID: Int64, staleBefore: Int64, askedBefore: Int64, at time: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("""
                UPDATE hosts SET details_requested_at = ? WHERE id = ? AND details_updated_at < ? AND details_requested_at < ?
                """, [.integer(time), .integer(hostID), .integer(staleBefore), .integer(askedBefore)]) > 0
        }
    }

    public func updateDetails(hostID: Int64, _ d: HostDetailsUpdate, at time: Int64) async throws {
        // One statement: each column keeps its value where the answer left it out.
        let text: [(String, String?)] = [("hostname", d.hostname), ("os_name", d.osName), ("os_version", d.osVersion),
                                         ("platform", d.platform), ("agent_version", d.agentVersion), ("cpu_brand", d.cpuBrand),
                                         ("interfaces", d.interfaces)]
        let numbers: [(String, Int64?)] = [("physical_memory", d.physicalMemory), ("uptime_seconds", d.uptimeSeconds)]
        var sets = ["details_updated_at = ?"], args: [SQLValue] = [.integer(time)]
        for (column, value) in text { if let value { sets.append("\(column) = ?"); args.append(.text(value)) } }
        for (column, value) in numbers { if let value { sets.append("\(column) = ?"); args.append(.integer(value)) } }
        let sql = "UPDATE hosts SET \(sets.joined(separator: ", ")) WHERE id = ?"
        let arguments = args + [.integer(hostID)]
        let reindex = d.hostname != nil ? dialect : nil
        try await engine.write { db in
            try await db.run(sql, arguments)
            if let reindex { try await Self.reindexSearch(hostID: hostID, dialect: reindex, db) }
        }
    }

    public func hostExtras(id: Int64) async throws -> (uptimeSeconds: Int64, interfaces: String, detailsUpdatedAt: Int64)? {
        let row = try await engine.read { db in
            try await db.rows("SELECT uptime_seconds, interfaces, details_updated_at FROM hosts WHERE id = ?", [.integer(id)]).first
        }
        return row.map { (uptimeSeconds: $0[0].integer ?? 0, interfaces: $0[1].text ?? "[]", detailsUpdatedAt: $0[2].integer ?? 0) }
    }
}
