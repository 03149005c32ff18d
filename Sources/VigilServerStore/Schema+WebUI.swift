/// The web UI's schema step, for both engines (the same columns; a test compares them):
/// users, browser sessions (hashed, as API tokens are), and the hosts page's sort and
/// status indexes (host name and last seen change with enrollments and check-in
/// batches; OS and enrollment time rarely). No index on host_schedule: agents rewrite it
/// every 10 s, and the dashboard's fleet-wide sum is cached by the UI instead.
extension SQLiteSchema {
    static let webUI = """
        CREATE TABLE web_users(name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE web_sessions(session_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, role TEXT NOT NULL,
          created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
        \(SQLiteSchema.webUIIndexes)
        """

    static let webUIIndexes = """
        CREATE INDEX web_sessions_by_expiry ON web_sessions(expires_at);
        CREATE INDEX hosts_by_hostname ON hosts(hostname, id);
        CREATE INDEX hosts_by_last_seen ON hosts(last_seen, id);
        CREATE INDEX hosts_by_os ON hosts(os_name, os_version, id);
        CREATE INDEX hosts_by_enrolled ON hosts(enrolled_at, id);
        """
}

extension PostgresSchema {
    static let webUI = """
        CREATE TABLE web_users(name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL);
        CREATE TABLE web_sessions(session_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, role TEXT NOT NULL,
          created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
        \(SQLiteSchema.webUIIndexes)
        """
}

/// The web UI's second step: sessions end when idle (the time of last use, kept in the
/// database so that every server on it sees the same); each server's own CPU and memory
/// every 10 s (by server name, so that servers sharing a database each show theirs); each
/// host's event and output losses as last reported, summed at ingest for the dashboard;
/// the hosts page's indexes made partial, over enrolled hosts only (a forgotten host has
/// no node key), so that lists and counts that leave forgotten hosts out stay on an index.
extension SQLiteSchema {
    static let webUI2 = """
        ALTER TABLE web_sessions ADD COLUMN last_used_at INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE host_health ADD COLUMN events_lost INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE host_health ADD COLUMN outputs_dropped INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE server_samples(server TEXT NOT NULL, time INTEGER NOT NULL, cpu_percent REAL NOT NULL, resident_size INTEGER NOT NULL,
          PRIMARY KEY(server, time));
        \(SQLiteSchema.enrolledIndexes)
        """

    static let enrolledIndexes = """
        DROP INDEX hosts_by_hostname;
        DROP INDEX hosts_by_last_seen;
        DROP INDEX hosts_by_os;
        DROP INDEX hosts_by_enrolled;
        CREATE INDEX hosts_by_hostname ON hosts(hostname, id) WHERE node_key_hash IS NOT NULL;
        CREATE INDEX hosts_by_last_seen ON hosts(last_seen, id) WHERE node_key_hash IS NOT NULL;
        CREATE INDEX hosts_by_os ON hosts(os_name, os_version, id) WHERE node_key_hash IS NOT NULL;
        CREATE INDEX hosts_by_enrolled ON hosts(enrolled_at, id) WHERE node_key_hash IS NOT NULL;
        """
}

extension PostgresSchema {
    static let webUI2 = """
        ALTER TABLE web_sessions ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE host_health ADD COLUMN events_lost BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE host_health ADD COLUMN outputs_dropped BIGINT NOT NULL DEFAULT 0;
        CREATE TABLE server_samples(server TEXT NOT NULL, time BIGINT NOT NULL, cpu_percent DOUBLE PRECISION NOT NULL, resident_size BIGINT NOT NULL,
          PRIMARY KEY(server, time));
        \(SQLiteSchema.enrolledIndexes)
        """
}
