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
    /// pg_trgm's GIN index, which ILIKE '%…%' uses by itself (since moved to its own
    /// table: `hostSearchTable`). pg_trgm ships with
    /// PostgreSQL and is a trusted extension (a database owner may create it); where it
    /// cannot be created the server still works, and a search reads every host.
    static let hostSearch = """
        DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm; EXCEPTION WHEN OTHERS THEN RAISE WARNING 'pg_trgm is not available (%): host search will read every host', SQLERRM; END $$;
        DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN CREATE INDEX hosts_search ON hosts USING gin (host_identifier gin_trgm_ops, hostname gin_trgm_ops, uuid gin_trgm_ops); END IF; END $$;
        """
}

extension PostgresSchema {
    /// The searched columns copied into a table of their own, with the trigram index on
    /// it rather than on `hosts`. On `hosts`, every last-seen update (a host's row every
    /// few seconds) wrote a new row version into the GIN index, about a hundred trigram
    /// entries: in a 1,000-agent run the last-seen updates were the largest cost of
    /// PostgreSQL's, 0.14 ms a host. The copy changes only where SQLite's does.
    static let hostSearchTable = """
        CREATE TABLE host_search(host_id BIGINT PRIMARY KEY, host_identifier TEXT NOT NULL, hostname TEXT NOT NULL, uuid TEXT NOT NULL);
        INSERT INTO host_search(host_id, host_identifier, hostname, uuid) SELECT id, host_identifier, hostname, uuid FROM hosts;
        DROP INDEX IF EXISTS hosts_search;
        DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN CREATE INDEX host_search_trigrams ON host_search USING gin (host_identifier gin_trgm_ops, hostname gin_trgm_ops, uuid gin_trgm_ops); END IF; END $$;
        """
}

extension SQLServerStore {
    /// Rewrites a host's entry in the search index's table from its row. Called in the
    /// transaction that changed the row.
    static func reindexSearch(hostID: Int64, dialect: SQLDialect, _ db: any SQLSession) async throws {
        switch dialect {
        case .sqlite:
            try await db.run("DELETE FROM host_search WHERE rowid = ?", [.integer(hostID)])
            try await db.run("INSERT INTO host_search(rowid, host_identifier, hostname, uuid) SELECT id, host_identifier, hostname, uuid FROM hosts WHERE id = ?",
                             [.integer(hostID)])
        case .postgres:
            try await db.run("""
                INSERT INTO host_search(host_id, host_identifier, hostname, uuid) SELECT id, host_identifier, hostname, uuid FROM hosts WHERE id = ?
                ON CONFLICT (host_id) DO UPDATE SET host_identifier = excluded.host_identifier, hostname = excluded.hostname, uuid = excluded.uuid
                """, [.integer(hostID)])
        }
    }
}
