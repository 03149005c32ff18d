import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// A test that needs root (it makes users, drops privileges, reads as another
    /// uid): skipped, and reported so, when not root; in CI (CI=true) it runs anyway
    /// and fails at `requireRoot()`, as a skip there would hide a missing privilege.
    public static var requiresRoot: Self {
        .enabled(if: geteuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true", "needs root")
    }
}

/// Fails the test unless it runs as root (the CI half of `.requiresRoot`).
public func requireRoot(sourceLocation: SourceLocation = #_sourceLocation) throws {
    try #require(geteuid() == 0, "this test must run as root", sourceLocation: sourceLocation)
}
