/// Whose store call this is: an agent's (most of them, thousands a second) or a
/// person's (the REST API and the web UI). The embedded engine reads a person's calls on
/// a connection of its own, so an operator's read does not queue behind the agents'
/// reads (a test: behind 15 of 16 before), and a long page query does not hold up
/// agents. (During a 10,000-agent live query a person's request still waited seconds,
/// on the server's event loops: BENCHMARKS.md, session 26.)
public enum StoreLane: Sendable, Equatable {
    case agents
    case people

    /// Set by the server for requests that are not an agent's (`OffLoop`).
    @TaskLocal public static var current: StoreLane = .agents
}
