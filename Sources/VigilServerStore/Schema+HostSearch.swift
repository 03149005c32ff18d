import VigilSQL

/// The hosts page's search by a part of a name, identifier or UUID, as a trigram index,
/// so that it does not read every host (100 ms at 100,000 hosts; 1 ms through the index).
extension SQLiteSchema {
    /// FTS5 with its own copy of the three columns, keyed by the host's id, written by
    /// the store where those columns change (enrollment, the hourly details). Not kept by
    /// triggers: the store's connections do not trust the schema (SQLite refuses a
    /// virtual table in a trigger then), so that a planted database cannot run code.
    static let hostSearch = """
        CREATE VIRTUAL TABLE host_search USING fts5(host_identifier, hostname, uuid, tokenize='trigram');
        INSERT INTO host_search(rowid, host_identifier, hostname, uuid) SELECT id, host_identifier, hostname, uuid FROM hosts;
        """
}

extension PostgresSchema {
    /// pg_trgm's GIN index, which ILIKE '%…%' uses by itself. pg_trgm ships with
    /// PostgreSQL and is a trusted extension (a database owner may create it); where it
    /// cannot be created the server still works, and a search reads every host.
    static let hostSearch = """
        DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; EXCEPTION WHEN OTHERS THEN RAISE WARNING 'pg_trgm is not available (%): host search will read every host', SQLERRM; END $$;
        DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN CREATE INDEX hosts_search ON hosts USING gin (host_identifier gin_trgm_ops, hostname gin_trgm_ops, uuid gin_trgm_ops); END IF; END $$;
        """
}

extension SQLServerStore {
    /// Rewrites a host's entry in SQLite's search index from its row (PostgreSQL's index
    /// follows the table by itself). Called in the transaction that changed the row.
    static func reindexSearch(hostID: Int64, dialect: SQLDialect, _ db: any SQLSession) async throws {
        guard dialect == .sqlite else { return }
        try await db.run("DELETE FROM host_search WHERE rowid = ?", [.integer(hostID)])
        try await db.run("INSERT INTO host_search(rowid, host_identifier, hostname, uuid) SELECT id, host_identifier, hostname, uuid FROM hosts WHERE id = ?",
                         [.integer(hostID)])
    }
}
