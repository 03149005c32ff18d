import Synchronization

/// getpwent/getutxent and friends keep process-wide cursor state; concurrent
/// scans (tests run in parallel, the agent runs queries on several threads)
/// would interleave their cursors, so every such walk holds this lock.
let nssLock = Mutex<Void>(())
