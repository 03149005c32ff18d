import VigilSQL

extension SQLServerStore {
    public func createLabel(_ label: LabelRecord, members: [Int64]) async throws -> LabelRecord {
        try await engine.write { db in
            let now = Self.now
            var l = label
            l.id = try Self.id(try await db.rows("INSERT INTO labels(name, description, query, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                                                  [.text(label.name), .text(label.description), SQLValue(label.query), .integer(now)]))
            for host in Set(members) {
                try await db.run("INSERT INTO label_membership(label_id, host_id, member, updated_at) VALUES (?, ?, 1, ?)",
                                 [.integer(l.id), .integer(host), .integer(now)])
            }
            l.hosts = Int64(Set(members).count)
            return l
        }
    }

    public func labels() async throws -> [LabelRecord] {
        try await engine.read { db in
            try await db.rows("""
                SELECT l.id, l.name, l.description, l.query, (SELECT count(*) FROM label_membership m WHERE m.label_id = l.id AND m.member = 1)
                FROM labels l ORDER BY l.name
                """).map { LabelRecord(id: $0[0].integer ?? 0, name: $0[1].text ?? "", description: $0[2].text ?? "", query: $0[3].text, hosts: $0[4].integer ?? 0) }
        }
    }

    public func deleteLabel(id: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("DELETE FROM label_membership WHERE label_id = ?", [.integer(id)])
            try await db.run("DELETE FROM pack_targets WHERE label_id = ?", [.integer(id)])
            return try await db.run("DELETE FROM labels WHERE id = ?", [.integer(id)]) > 0
        }
    }

    public func labelMembers(id: Int64) async throws -> [Int64] {
        try await engine.read { db in
            try await db.rows("SELECT host_id FROM label_membership WHERE label_id = ? AND member = 1 ORDER BY host_id", [.integer(id)]).compactMap { $0[0].integer }
        }
    }

    public func labelIDs(hostID: Int64) async throws -> [Int64] {
        try await engine.read { db in
            try await db.rows("SELECT label_id FROM label_membership WHERE host_id = ? AND member = 1 ORDER BY label_id", [.integer(hostID)]).compactMap { $0[0].integer }
        }
    }

    public func staleLabelQueries(hostID: Int64, staleBefore: Int64) async throws -> [(id: Int64, sql: String)] {
        let rows = try await engine.read { db in
            try await db.rows("""
                SELECT l.id, l.query FROM labels l LEFT JOIN label_membership m ON m.label_id = l.id AND m.host_id = ?
                WHERE l.query IS NOT NULL AND (m.updated_at IS NULL OR m.updated_at < ?)
                """, [.integer(hostID), .integer(staleBefore)])
        }
        return rows.map { (id: $0[0].integer ?? 0, sql: $0[1].text ?? "") }
    }

    public func setMembership(labelID: Int64, hostID: Int64, member: Bool, at time: Int64) async throws {
        try await engine.write { db in
            try await db.run("""
                INSERT INTO label_membership(label_id, host_id, member, updated_at) SELECT ?, ?, ?, ?
                WHERE EXISTS (SELECT 1 FROM labels WHERE id = ? AND query IS NOT NULL)
                ON CONFLICT(label_id, host_id) DO UPDATE SET member = excluded.member, updated_at = excluded.updated_at
                """, [.integer(labelID), .integer(hostID), .integer(member ? 1 : 0), .integer(time), .integer(labelID)])
        }
    }

    public func createPack(_ pack: PackRecord) async throws -> PackRecord {
        try await engine.write { db in
            var p = pack
            p.id = try Self.id(try await db.rows("INSERT INTO packs(name, body, created_at) VALUES (?, ?, ?) RETURNING id",
                                                  [.text(pack.name), .text(pack.body), .integer(Self.now)]))
            for label in Set(pack.labelIDs) {
                try await db.run("INSERT INTO pack_targets(pack_id, label_id) VALUES (?, ?)", [.integer(p.id), .integer(label)])
            }
            return p
        }
    }

    public func packs() async throws -> [PackRecord] {
        try await engine.read { db in try await Self.packs(db) }
    }

    static func packs(_ db: any SQLSession) async throws -> [PackRecord] {
        let targets = try await db.rows("SELECT pack_id, label_id FROM pack_targets ORDER BY label_id")
        let byPack = Dictionary(grouping: targets, by: { $0[0].integer ?? 0 }).mapValues { $0.compactMap { $0[1].integer } }
        return try await db.rows("SELECT id, name, body FROM packs ORDER BY name").map {
            let id = $0[0].integer ?? 0
            return PackRecord(id: id, name: $0[1].text ?? "", body: $0[2].text ?? "{}", labelIDs: byPack[id] ?? [])
        }
    }

    public func configSources(hostID: Int64) async throws -> ConfigSources {
        try await engine.read { db in
            let base = try await db.rows("SELECT value FROM settings WHERE key = 'config'").first?[0].text
            let packs = try await Self.packs(db)
            // A host's labels matter only when some pack is aimed at a label.
            let labels = packs.contains { !$0.labelIDs.isEmpty }
                ? try await db.rows("SELECT label_id FROM label_membership WHERE host_id = ? AND member = 1", [.integer(hostID)]).compactMap { $0[0].integer }
                : []
            return ConfigSources(config: base, packs: packs, labelIDs: Set(labels))
        }
    }

    public func deletePack(id: Int64) async throws -> Bool {
        try await engine.write { db in
            try await db.run("DELETE FROM pack_targets WHERE pack_id = ?", [.integer(id)])
            return try await db.run("DELETE FROM packs WHERE id = ?", [.integer(id)]) > 0
        }
    }

    public func updateLabel(_ label: LabelRecord, members: [Int64]?) async throws -> Bool {
        try await engine.write { db in
            guard let old = try await db.rows("SELECT query FROM labels WHERE id = ?", [.integer(label.id)]).first else { return false }
            try await db.run("UPDATE labels SET description = ?, query = ? WHERE id = ?", [.text(label.description), SQLValue(label.query), .integer(label.id)])
            // A dynamic label whose query changed is asked again of every host.
            if label.query != nil, old[0].text != label.query {
                try await db.run("DELETE FROM label_membership WHERE label_id = ?", [.integer(label.id)])
            }
            if label.query == nil, let members {
                try await db.run("DELETE FROM label_membership WHERE label_id = ?", [.integer(label.id)])
                for host in Set(members) {
                    try await db.run("INSERT INTO label_membership(label_id, host_id, member, updated_at) VALUES (?, ?, 1, ?)",
                                     [.integer(label.id), .integer(host), .integer(Self.now)])
                }
            }
            return true
        }
    }

    public func updatePack(_ pack: PackRecord) async throws -> Bool {
        try await engine.write { db in
            guard try await db.run("UPDATE packs SET name = ?, body = ? WHERE id = ?", [.text(pack.name), .text(pack.body), .integer(pack.id)]) > 0 else { return false }
            try await db.run("DELETE FROM pack_targets WHERE pack_id = ?", [.integer(pack.id)])
            for label in Set(pack.labelIDs) {
                try await db.run("INSERT INTO pack_targets(pack_id, label_id) VALUES (?, ?)", [.integer(pack.id), .integer(label)])
            }
            return true
        }
    }
}
