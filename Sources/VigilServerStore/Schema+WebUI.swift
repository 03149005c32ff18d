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
