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

    /// Lazily, every item `parse` finds in the files `names` (relative to the home)
    /// of each selected account's home. Each file is read as its account
    /// (`HomeFile`): a link to a file that user cannot read, or to anything but a
    /// regular file on a disk (a FIFO, /proc/kmsg), contributes nothing, as does a
    /// file that is missing or unreadable.
    static func items<Item>(
        _ context: QueryContext, root: String = "", names: [String], limit: Int,
        parse: @escaping (String) -> [Item]
    ) throws -> some Sequence<(uid: UInt32, file: String, item: Item)> {
        try accounts(context, root: root).lazy
            .flatMap { account in names.lazy.map { (account: account, name: $0) } }
            .flatMap { f in
                let home = root + f.account.home
                let bytes = (try? HomeFile.read(home: home, name: f.name, uid: f.account.uid, gid: f.account.gid, limit: limit)) ?? []
                let file = PidNamespace.inside((home.hasSuffix("/") ? home : home + "/") + f.name, root: root)
                return parse(String(decoding: bytes, as: UTF8.self)).lazy.map { (uid: f.account.uid, file: file, item: $0) }
            }
    }
}
