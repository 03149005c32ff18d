import VigilSQL
import VigilSystem

/// The accounts whose home directories a per-user table reads: everyone in
/// /etc/passwd, or only the uids a `uid =`/`IN` constraint names. Accounts that
/// share a home (system users in / or /nonexistent) are visited once per home,
/// by the first of them.
enum UserHomes {
    static func accounts(_ context: QueryContext) throws -> [PasswdEntry] {
        let all: [PasswdEntry]
        do {
            all = try Passwd.read()
        } catch {
            throw TableError("cannot read \(Passwd.defaultPath): \(error)")
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
        _ context: QueryContext, files: @escaping (String) -> [String], read: @escaping (String) throws -> [Item]
    ) throws -> some Sequence<(uid: UInt32, file: String, item: Item)> {
        try accounts(context).lazy
            .flatMap { account in files(account.home).lazy.map { (uid: account.uid, file: $0) } }
            .flatMap { f in ((try? read(f.file)) ?? []).lazy.map { (uid: f.uid, file: f.file, item: $0) } }
    }
}
