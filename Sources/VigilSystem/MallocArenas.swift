import CLinux
import Glibc

/// How a long-running, mostly idle process keeps its heap small. glibc gives each
/// thread that allocates an arena of its own (up to eight per core), and each arena
/// keeps what was freed in it: the agent worker's dozen threads (Swift's pool, SQLite,
/// the event loop) would each hold a few hundred KiB of an idle agent's resident set.
public enum MallocArenas {
    /// At most two arenas from now on (threads share them); call before threads start.
    public static func limitToTwo() { _ = once }

    private static let once: Bool = mallopt(M_ARENA_MAX, 2) == 1
}
