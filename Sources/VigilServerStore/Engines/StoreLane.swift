/// Whose store call this is: an agent's (most of them, thousands a second) or a
/// person's (the REST API and the web UI). A person's calls get connections of their own
/// (the embedded engine a reader, PostgreSQL a pool of two), so an operator's call does
/// not queue behind the agents' (a test each: behind 15 of 16 reads before on SQLite,
/// behind a whole pool's on PostgreSQL), and a long page query does not hold up agents.
/// (The server's event loops are the other queue: `vigil server --ui-listen`.)
public enum StoreLane: Sendable, Equatable {
    case agents
    case people

    /// Set by the server for requests that are not an agent's (`OffLoop`).
    @TaskLocal public static var current: StoreLane = .agents
}
