import VigilSQL
import VigilSystem

/// `selinux_settings`: the live SELinux settings in selinuxfs (wherever /proc/mounts
/// says it is mounted, normally /sys/fs/selinux). Rows, as osquery makes them: the
/// root keys (enforce, mls, policyvers, ...) with an empty scope; every file of
/// booleans/ (on or off; a boolean with a pending change has no row),
/// policy_capabilities/ and initial_contexts/; and for class/, one row per
/// permission with the key "<class>/perms". No selinuxfs mounted: no rows.
public struct SELinuxSettingsTable: VirtualTable {
    public let schema = TableSchema("selinux_settings", "Track active SELinux settings.", [
        Column("scope", .text, "Where the key is located inside the SELinuxFS mount point.", .index),
        Column("key", .text, "Key or class name.", .index),
        Column("value", .text, "Active value."),
    ])
    static let rootKeys = ["checkreqprot", "deny_unknown", "enforce", "mls", "policyvers", "reject_unknown"]
    static let scopes = ["booleans", "policy_capabilities", "initial_contexts"]
    /// A selinuxfs root to read instead of the mounted one (tests).
    let root: String?

    public init() { root = nil }
    init(root: String) { self.root = root }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let mount: String
        if let root { mount = root } else {
            let mounts: [MountEntry]
            do { mounts = try Mounts.read() } catch { throw TableError("selinux_settings: cannot read /proc/mounts: \(error)") }
            guard let fs = mounts.first(where: { $0.type == "selinuxfs" }) else { return RowSequence([]) }
            mount = fs.path
        }
        let scopes = context.texts("scope").map(Set.init)
        let keys = context.texts("key").map(Set.init)
        func wanted(_ scope: String) -> Bool { scopes?.contains(scope) ?? true }
        func keyWanted(_ key: String) -> Bool { keys?.contains(key) ?? true }
        var rows: [Row] = []
        if wanted("") {
            for key in Self.rootKeys where keyWanted(key) {
                rows.append(row("", key, Self.value(mount + "/" + key)))
            }
        }
        for scope in Self.scopes where wanted(scope) {
            for key in ((try? FileSystem.list(mount + "/" + scope)) ?? []).sorted() where keyWanted(key) {
                guard var value = Self.value(mount + "/" + scope + "/" + key) else { continue }
                if scope == "booleans" {
                    // "current pending": a boolean whose commit is pending shows two different digits.
                    guard let onOff = ["0 0": "off", "1 1": "on"][value] else { continue }
                    value = onOff
                }
                rows.append(row(scope, key, value))
            }
        }
        if wanted("class") {
            for name in ((try? FileSystem.list(mount + "/class")) ?? []).sorted() where keyWanted(name + "/perms") {
                for perm in ((try? FileSystem.list(mount + "/class/" + name + "/perms")) ?? []).sorted() {
                    rows.append(row("class", name + "/perms", perm))
                }
            }
        }
        return RowSequence(rows)
    }

    func row(_ scope: String, _ key: String, _ value: String?) -> Row {
        var r = Row(schema)
        r["scope"] = .text(scope)
        r["key"] = .text(key)
        r["value"] = SQLValue(value)
        return r
    }

    /// A selinuxfs file's text without the NUL that initial_contexts end with.
    static func value(_ path: String) -> String? {
        guard let bytes = try? FileSystem.read(path, limit: 1 << 16) else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters()
    }
}
