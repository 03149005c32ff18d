import VigilSQL
import VigilSystem

/// `apparmor_profiles`: the profiles AppArmor has loaded, from securityfs
/// (/sys/kernel/security/apparmor/policy/profiles/*/{name,mode,attach,sha1|sha256},
/// child profiles under each profile's profiles/). `path` is the hierarchical
/// name aa-status prints ("parent//child"). No AppArmor (or securityfs not
/// mounted): no rows, as in osquery.
public struct AppArmorProfilesTable: VirtualTable {
    public let schema = TableSchema("apparmor_profiles", "Track active AppArmor profiles.", [
        Column("path", .text, "Unique, aa-status compatible, policy identifier.", .index),
        Column("name", .text, "Policy name."),
        Column("attach", .text, "Which executable(s) a profile will attach to."),
        Column("mode", .text, "How the policy is applied."),
        Column("sha1", .text, "A unique hash that identifies this policy (kernels that hash with SHA-1)."),
        Column("sha256", .text, "A unique hash that identifies this policy (kernels that hash with SHA-256)."),
    ])
    let profiles: String

    public init() { profiles = "/sys/kernel/security/apparmor/policy/profiles" }
    init(profiles: String) { self.profiles = profiles }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard FileSystem.exists(profiles) else { return RowSequence([]) }
        let paths = context.texts("path").map(Set.init)
        var rows: [Row] = []
        // Directories still to read, with the path of the profile they belong under.
        var pending: [(parent: String, directory: String)] = []
        func enqueue(_ parent: String, _ directory: String) throws {
            let names: [String]
            do { names = try FileSystem.list(directory) } catch { throw TableError("apparmor_profiles: cannot list \(directory): \(error)") }
            pending += names.sorted().reversed().map { (parent, directory + "/" + $0) }
        }
        try enqueue("", profiles)
        while let (parent, dir) = pending.popLast() {
            // A profile whose files vanish mid-walk (replaced or removed) is skipped.
            guard let name = Self.value(dir + "/name"), let mode = Self.value(dir + "/mode") else { continue }
            let path = parent.isEmpty ? name : parent + "//" + name
            if paths?.contains(path) ?? true {
                var r = Row(schema)
                r["path"] = .text(path)
                r["name"] = .text(name)
                r["mode"] = .text(mode)
                for file in ["attach", "sha1", "sha256"] where context.isUsed(file) {
                    r[file] = SQLValue(Self.value(dir + "/" + file))
                }
                rows.append(r)
            }
            if FileSystem.exists(dir + "/profiles") { try enqueue(path, dir + "/profiles") }
        }
        return RowSequence(rows)
    }

    static func value(_ path: String) -> String? {
        FileSystem.readTextIfPresent(path)?.trimmingCharacters()
    }
}
