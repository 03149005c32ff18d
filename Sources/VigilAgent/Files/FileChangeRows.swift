import Glibc
import VigilSQL
import VigilSystem
import VigilTrace

/// Turns the tracer's file changes into file_events rows: the category from the
/// patterns, the file's state now (stat) and, for content changes, its hashes.
/// Hashing is bounded (files up to `hashLimitBytes`, at most `hashBudgetBytes` a
/// second) so a busy watched directory cannot make the agent expensive; a file
/// not hashed says so (`hashed` 0).
final class FileChangeRows {
    /// Replaced when a reload changes file_paths within what the kernel passes.
    var watchList: FileWatchList
    let hashLimitBytes: Int
    let hashBudgetBytes: Int
    private var budgetSecond: Int64 = 0
    private var budgetLeft = 0
    private var nextTransaction: Int64 = 1

    init(watchList: FileWatchList, hashLimitBytes: Int = 8 << 20, hashBudgetBytes: Int = 16 << 20) {
        self.watchList = watchList
        self.hashLimitBytes = hashLimitBytes
        self.hashBudgetBytes = hashBudgetBytes
    }

    /// Rows for the watched changes of one call (a rename gives two, with one transaction id).
    func rows(_ changes: [FileChange], pid: Int32, executable: String, time: Int64) -> [[SQLValue]] {
        let watched = changes.compactMap { c in watchList.category(of: c.path).map { (c, $0) } }
        guard !watched.isEmpty else { return [] }
        var transaction: Int64 = 0
        if changes.contains(where: { $0.action == .movedFrom || $0.action == .movedTo }) {
            transaction = nextTransaction
            nextTransaction += 1
        }
        return watched.map { change, category in
            var row = Row(FileEventsTable.schema)
            row["target_path"] = .text(change.path)
            row["category"] = .text(category)
            row["action"] = .text(change.action.rawValue)
            row["transaction_id"] = SQLValue(transaction)
            row["time"] = SQLValue(time)
            row["pid"] = SQLValue(pid)
            row["executable"] = .text(executable)
            row["hashed"] = 0
            // The file as it is now (it may have changed again, or be gone: then no state).
            if change.action != .deleted && change.action != .movedFrom,
               let st = try? FileSystem.status(change.path, followLinks: false) {
                row["inode"] = SQLValue(Int64(st.st_ino))
                row["uid"] = SQLValue(Int64(st.st_uid))
                row["gid"] = SQLValue(Int64(st.st_gid))
                row["mode"] = .text(Self.octal(st.st_mode & 0o7777))
                row["size"] = SQLValue(Int64(st.st_size))
                row["atime"] = SQLValue(Int64(st.st_atim.tv_sec))
                row["mtime"] = SQLValue(Int64(st.st_mtim.tv_sec))
                row["ctime"] = SQLValue(Int64(st.st_ctim.tv_sec))
                let content = change.action == .created || change.action == .updated || change.action == .movedTo
                if content && (st.st_mode & S_IFMT) == S_IFREG { hash(change.path, size: Int(st.st_size), into: &row) }
            }
            return row.values
        }
    }

    private func hash(_ path: String, size: Int, into row: inout Row) {
        let now = Clock.monotonicNanoseconds() / 1_000_000_000
        if now != budgetSecond {
            budgetSecond = now
            budgetLeft = hashBudgetBytes
        }
        guard size <= hashLimitBytes, size <= budgetLeft else { return }
        budgetLeft -= size
        do {
            let digests = try Digest.hashFile(path, algorithms: [.md5, .sha1, .sha256])
            row["md5"] = .text(digests[.md5] ?? "")
            row["sha1"] = .text(digests[.sha1] ?? "")
            row["sha256"] = .text(digests[.sha256] ?? "")
            row["hashed"] = 1
        } catch {
            row["hashed"] = -1
        }
    }

    /// "0644", as osquery writes modes.
    static func octal(_ mode: mode_t) -> String {
        var digits = ""
        var m = UInt32(mode)
        repeat {
            digits = String(m & 7) + digits
            m >>= 3
        } while m > 0
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
