/// One group from a group(5) file.
public struct GroupEntry: Sendable, Equatable {
    public var name: String
    public var gid: UInt32
    /// Supplementary members (user names), in file order.
    public var members: [String]

    public init(name: String, gid: UInt32, members: [String]) {
        self.name = name; self.gid = gid; self.members = members
    }
}

/// Reader for /etc/group, parsed directly like `Passwd`.
public enum GroupFile {
    public static func read(root: String = "") throws(SystemError) -> [GroupEntry] {
        parse(try FileSystem.readText(root + "/etc/group"))
    }

    /// Parse group(5) text: name:password:gid:member,member.
    public static func parse(_ text: String) -> [GroupEntry] {
        FileSystem.lines(text).compactMap { line in
            if line.hasPrefix("#") || line.hasPrefix("+") || line.hasPrefix("-") { return nil }
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 4, !f[0].isEmpty, let gid = UInt32(f[2]) else { return nil }
            let members = f[3].split(separator: ",").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
            return GroupEntry(name: String(f[0]), gid: gid, members: members)
        }
    }
}
