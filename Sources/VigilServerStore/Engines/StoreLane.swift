/// Whose store call this is: an agent's (most of them, thousands a second) or a
/// person's (the REST API and the web UI). The embedded engine reads a person's calls on
/// a connection of its own, so an operator's page or status poll does not queue behind
/// the reads of 10,000 agents woken by a live query (1.7-3 s per poll before,
/// BENCHMARKS.md), and a long page query does not hold up agents.
public enum StoreLane: Sendable, Equatable {
    case agents
    case people

    /// Set by the server for requests that are not an agent's (`OffLoop`).
    @TaskLocal public static var current: StoreLane = .agents
}
