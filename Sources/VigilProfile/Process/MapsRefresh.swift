/// When a cached copy of a process's executable mappings is worth reading again
/// because an address that should be code fell outside it (`ProcessImages`).
enum MapsRefresh {
    /// How soon a copy is read again when an address that should be code (a pc, a
    /// return address) falls outside it: the loader maps libraries in a program's
    /// first milliseconds.
    static let expectedCodeInterval: Int64 = 20_000_000

    /// `readAt`, `takenAt` and `now` are CLOCK_BOOTTIME nanoseconds, the clock of the
    /// sampler's timestamps; `takenAt` is when the address was sampled, nil if unknown.
    static func due(readAt: Int64, takenAt: Int64?, now: Int64, interval: Int64) -> Bool {
        if now - readAt >= interval { return true }
        // A copy read before the sample was taken may predate the mapping: the loader
        // maps a program's libraries in its first milliseconds, and a library is
        // called as soon as dlopen returns. One read after the sample settles it; a
        // sample older than the copy that misses it ran code unmapped since.
        guard let takenAt else { return false }
        return readAt < takenAt
    }
}
