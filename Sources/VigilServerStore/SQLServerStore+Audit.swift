extension SQLServerStore {
    public func addAudit(_ e: AuditEntry) async throws {
        try await engine.write { db in
            try await db.run("INSERT INTO audit_log(at, actor, source, action, target, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [.integer(e.at), .text(e.actor), .text(e.source), .text(e.action), .text(e.target), .integer(Int64(e.status)), .text(e.detail)])
        }
    }

    public func auditLog(limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await engine.read { db in
            try await db.rows("SELECT id, at, actor, source, action, target, status, detail FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?",
                              [.integer(Int64(limit)), .integer(Int64(offset))]).map {
                AuditEntry(id: $0[0].integer ?? 0, at: $0[1].integer ?? 0, actor: $0[2].text ?? "", source: $0[3].text ?? "",
                           action: $0[4].text ?? "", target: $0[5].text ?? "", status: Int($0[6].integer ?? 0), detail: $0[7].text ?? "")
            }
        }
    }
}
