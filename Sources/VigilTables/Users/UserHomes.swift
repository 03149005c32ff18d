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
}
