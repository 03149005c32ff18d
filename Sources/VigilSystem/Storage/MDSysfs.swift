/// An md array's settings and members as sysfs shows them under
/// /sys/block/<array>/md: the facts the GET_ARRAY_INFO and GET_DISK_INFO ioctls
/// return, read without opening the array's device node.
public struct MDSysfs: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        /// The kernel's name of the component device ("sdb1", "loop0").
        public var name: String
        /// Its role in the array; nil for a spare or a device not yet given one ("none").
        public var slot: Int?
        /// The flags of dev-*/state: "in_sync", "faulty", "spare", "write_mostly", "journal", ...
        public var flags: [String]
    }

    /// "raid1", "raid5", "linear", ... (md/level).
    public var level = ""
    public var raidDisks: Int?
    /// Bytes (md/chunk_size).
    public var chunkSize: Int64?
    /// "clean", "active", "readonly", ... (md/array_state).
    public var arrayState = ""
    /// "1.2", "0.90", "external:imsm", "none" (md/metadata_version).
    public var metadataVersion = ""
    /// "none", or where the write-intent bitmap lives ("+8", "file").
    public var bitmapLocation = "none"
    public var members: [Member] = []

    /// The array `name` ("md0") under `sysBlock`; nil when sysfs has no md directory for it.
    public static func read(_ name: String, sysBlock: String = "/sys/block") -> MDSysfs? {
        let dir = sysBlock + "/" + name + "/md"
        guard let entries = try? FileSystem.list(dir) else { return nil }
        func value(_ file: String) -> String? { FileSystem.readTextIfPresent(dir + "/" + file)?.trimmingCharacters() }
        var md = MDSysfs()
        md.level = value("level") ?? ""
        md.raidDisks = value("raid_disks").flatMap { Int($0) }
        md.chunkSize = value("chunk_size").flatMap { Int64($0) }
        md.arrayState = value("array_state") ?? ""
        md.metadataVersion = value("metadata_version") ?? ""
        md.bitmapLocation = value("bitmap/location") ?? "none"
        for entry in entries.sorted() where entry.hasPrefix("dev-") {
            let slot = value(entry + "/slot").flatMap { Int($0) }
            let flags = (value(entry + "/state") ?? "").split(separator: ",").map(String.init)
            md.members.append(Member(name: String(entry.dropFirst(4)), slot: slot, flags: flags))
        }
        return md
    }

    /// The level as md's numbering has it (mdu_array_info_t.level): raidN is N,
    /// linear -1, multipath -4, faulty -5; nil for a container or an unknown name.
    public static func levelNumber(_ level: String) -> Int? {
        switch level {
        case "linear": return -1
        case "multipath": return -4
        case "faulty": return -5
        default:
            guard level.hasPrefix("raid") else { return nil }
            return Int(level.dropFirst(4))
        }
    }
}
