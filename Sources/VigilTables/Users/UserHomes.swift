import VigilSQL
import VigilSystem

/// The accounts whose home directories a per-user table reads: everyone in
/// /etc/passwd, or only the uids a `uid =`/`IN` constraint names. Accounts that
/// share a home (system users in / or /nonexistent) are visited once per home,
/// by the first of them. A `root` (such as /proc/PID/root) reads the accounts
/// and homes another process sees; files are then named as seen from inside it.
enum UserHomes {
    static func accounts(_ context: QueryContext, root: String = "") throws -> [PasswdEntry] {
        let all: [PasswdEntry]
        do {
            all = try Passwd.read(root: root)
        } catch {
            throw TableError("cannot read \(root + Passwd.defaultPath): \(error)")
        }
        let wanted = context.integers("uid").map(Set.init)
        var seenHomes = Set<String>()
        return all.filter { entry in
            if let wanted, !wanted.contains(Int64(entry.uid)) { return false }
            return !entry.home.isEmpty && seenHomes.insert(entry.home).inserted
        }
    }

    /// Lazily, every item `read` finds in the `files` of each selected account's
    /// home. A file that cannot be read (permissions, vanished) contributes nothing.
    static func items<Item>(
        _ context: QueryContext, root: String = "",
        files: @escaping (String) -> [String], read: @escaping (String) throws -> [Item]
    ) throws -> some Sequence<(uid: UInt32, file: String, item: Item)> {
        try accounts(context, root: root).lazy
            .flatMap { account in files(root + account.home).lazy.map { (uid: account.uid, file: $0) } }
            .flatMap { f in
                ((try? read(f.file)) ?? []).lazy.map { (uid: f.uid, file: PidNamespace.inside(f.file, root: root), item: $0) }
            }
    }
}
