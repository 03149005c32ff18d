import VigilSQL

/// The server's schema in SQLite, as numbered steps: a database records the steps it has
/// had (PRAGMA user_version) and gets the rest, in order, at open. PostgresSchema holds
/// the same tables for PostgreSQL; a test checks that the two have the same columns.
enum SQLiteSchema {
    static let steps: [String] = [
        """
        CREATE TABLE hosts(
          id INTEGER PRIMARY KEY,
          host_identifier TEXT NOT NULL UNIQUE,
          node_key_hash TEXT UNIQUE,
          hostname TEXT NOT NULL DEFAULT '', uuid TEXT NOT NULL DEFAULT '', platform TEXT NOT NULL DEFAULT '',
          os_name TEXT NOT NULL DEFAULT '', os_version TEXT NOT NULL DEFAULT '',
          agent TEXT NOT NULL DEFAULT '', agent_version TEXT NOT NULL DEFAULT '',
          cpu_brand TEXT NOT NULL DEFAULT '', physical_memory INTEGER NOT NULL DEFAULT 0,
          enrolled_at INTEGER NOT NULL, last_seen INTEGER NOT NULL);
        CREATE TABLE enroll_secrets(secret TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
        CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE logs(
          id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
          unix_time INTEGER NOT NULL, line TEXT NOT NULL, UNIQUE(host_id, line));
        CREATE INDEX logs_by_name ON logs(kind, name, id);
        CREATE INDEX logs_by_time ON logs(unix_time);
        CREATE TABLE campaigns(id INTEGER PRIMARY KEY, sql TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE campaign_targets(
          campaign_id INTEGER NOT NULL, host_id INTEGER NOT NULL, state TEXT NOT NULL,
          row_count INTEGER NOT NULL DEFAULT 0, error TEXT, sent_at INTEGER, answered_at INTEGER,
          PRIMARY KEY(campaign_id, host_id));
        CREATE INDEX campaign_targets_by_host ON campaign_targets(host_id, state);
        CREATE TABLE campaign_rows(id INTEGER PRIMARY KEY, campaign_id INTEGER NOT NULL, host_id INTEGER NOT NULL, columns TEXT NOT NULL);
        CREATE INDEX campaign_rows_by_campaign ON campaign_rows(campaign_id, id);
        CREATE TABLE api_tokens(token_hash TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL);
        """,
        """
        CREATE TABLE telemetry(
          host_id INTEGER NOT NULL, time INTEGER NOT NULL, resolution INTEGER NOT NULL, cpu_percent REAL NOT NULL,
          resident_size INTEGER NOT NULL, threads INTEGER NOT NULL, queries_run INTEGER NOT NULL,
          PRIMARY KEY(host_id, resolution, time)) WITHOUT ROWID;
        CREATE TABLE host_schedule(
          host_id INTEGER NOT NULL, name TEXT NOT NULL, query TEXT NOT NULL, interval INTEGER NOT NULL,
          executions INTEGER NOT NULL, wall_time_ms INTEGER NOT NULL, user_time INTEGER NOT NULL, system_time INTEGER NOT NULL,
          average_memory INTEGER NOT NULL, output_size INTEGER NOT NULL, denylisted INTEGER NOT NULL,
          last_wall_time_ms INTEGER NOT NULL, errors INTEGER NOT NULL, PRIMARY KEY(host_id, name));
        CREATE TABLE host_watchdog(id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL, time INTEGER NOT NULL, event TEXT NOT NULL);
        CREATE INDEX host_watchdog_by_host ON host_watchdog(host_id, id);
        CREATE TABLE host_health(host_id INTEGER PRIMARY KEY, reported_at INTEGER NOT NULL, events TEXT NOT NULL, outputs TEXT NOT NULL);
        """,
        """
        CREATE TABLE labels(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL, query TEXT, created_at INTEGER NOT NULL);
        -- member 0 rows record a dynamic label's answer "not a member" and when it was given.
        CREATE TABLE label_membership(label_id INTEGER NOT NULL, host_id INTEGER NOT NULL, member INTEGER NOT NULL, updated_at INTEGER NOT NULL,
          PRIMARY KEY(label_id, host_id));
        CREATE INDEX label_membership_by_host ON label_membership(host_id, member);
        CREATE TABLE packs(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE pack_targets(pack_id INTEGER NOT NULL, label_id INTEGER NOT NULL, PRIMARY KEY(pack_id, label_id));
        """,
        """
        CREATE TABLE profiles(
          id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL, seconds INTEGER NOT NULL, frequency INTEGER NOT NULL, state TEXT NOT NULL,
          requested_at INTEGER NOT NULL, done_at INTEGER, samples INTEGER, report TEXT, error TEXT, pprof BLOB);
        CREATE INDEX profiles_by_host ON profiles(host_id, state);
        """,
        """
        ALTER TABLE hosts ADD COLUMN uptime_seconds INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE hosts ADD COLUMN interfaces TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE hosts ADD COLUMN details_updated_at INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE hosts ADD COLUMN details_requested_at INTEGER NOT NULL DEFAULT 0;
        """,
        SQLiteSchema.webUI,
        SQLiteSchema.webUI2,
        // Every stock osquery poll asks whether a recent live query still waits.
        "CREATE INDEX campaigns_by_time ON campaigns(created_at);",
        // Who changed what (kept whatever the retention: a few rows a day).
        "CREATE TABLE audit_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, source TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL);",
        // A server's profiles of itself sit beside the hosts' (host 0), under the server's name.
        """
        ALTER TABLE profiles ADD COLUMN server TEXT;
        CREATE INDEX profiles_by_server ON profiles(server, id) WHERE server IS NOT NULL;
        """,
        SQLiteSchema.hostSearch,
        // Every poll and held read asks whether a recent live query still waits for any
        // host: without this, that read each target's row until it found one, and at the
        // end of a live query to 10,000 hosts (all answered) every re-issued read read all
        // 10,000: the server spent 13 s at two cores after the last answer.
        "CREATE INDEX campaign_targets_by_state ON campaign_targets(campaign_id, state);",
        // The OTLP export's cursor over the logs table (one row a signal), and which server holds it.
        """
        CREATE TABLE otlp_export(signal TEXT PRIMARY KEY, exported_through INTEGER NOT NULL, sending_through INTEGER NOT NULL,
          dropped INTEGER NOT NULL DEFAULT 0, owner TEXT NOT NULL DEFAULT '', lease_until INTEGER NOT NULL DEFAULT 0);
        """,
        // The order agents' profiles were stored in, for the OTLP export's cursor (a
        // requested profile is stored long after its row, so its id is no such order).
        """
        ALTER TABLE profiles ADD COLUMN done_seq INTEGER;
        CREATE INDEX profiles_by_done_seq ON profiles(done_seq) WHERE done_seq IS NOT NULL;
        """,
        // Lines unique per host by a key (LogKey) rather than an index holding every line
        // again: half the database's size, and fewer pages written per stored line.
        """
        CREATE TABLE logs_keyed(
          id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
          unix_time INTEGER NOT NULL, line TEXT NOT NULL, line_key INTEGER NOT NULL DEFAULT 0);
        INSERT INTO logs_keyed(id, host_id, kind, name, unix_time, line) SELECT id, host_id, kind, name, unix_time, line FROM logs;
        DROP TABLE logs;
        ALTER TABLE logs_keyed RENAME TO logs;
        CREATE INDEX logs_by_name ON logs(kind, name, id);
        CREATE INDEX logs_by_time ON logs(unix_time);
        CREATE INDEX logs_by_key ON logs(host_id, line_key);
        """,
    ]

    static func migrate(_ db: StateDatabase) throws(SQLError) {
        let current = Int(try db.rows("PRAGMA user_version").first?.first?.integer ?? 0)
        guard current < steps.count else { return }
        for (index, step) in steps.enumerated() where index >= current {
            try db.execute(step)
        }
        try db.execute("PRAGMA user_version = \(steps.count)")
        // Only on the open that adds the keys: afterwards every line is stored with one.
        if let keyed = steps.firstIndex(where: { $0.contains("CREATE TABLE logs_keyed") }), current <= keyed { try keyLogs(db) }
    }

    /// Lines stored before keys existed get theirs (a function of the line, so Swift's),
    /// in id order, a batch at a time.
    static func keyLogs(_ db: StateDatabase) throws(SQLError) {
        var after: Int64 = 0
        while true {
            let rows = try db.rows("SELECT id, line FROM logs WHERE id > ? ORDER BY id LIMIT 5000", [.integer(after)])
            for row in rows {
                guard let id = row[0].integer else { continue }
                try db.run("UPDATE logs SET line_key = ? WHERE id = ?", [.integer(LogKey.of(row[1].text ?? "")), .integer(id)])
                after = id
            }
            if rows.count < 5000 { return }
        }
    }
}
