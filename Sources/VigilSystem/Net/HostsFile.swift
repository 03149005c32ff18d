/// One address line of a hosts(5) file.
public struct HostsEntry: Sendable, Equatable {
    public let address: String
    public let hostnames: [String]
}

public enum HostsFile {
    public static func read(path: String = "/etc/hosts") throws(SystemError) -> [HostsEntry] {
        parse(try FileSystem.readText(path))
    }

    /// Comments run from '#' to the end of the line; an address needs at least one name.
    public static func parse(_ text: String) -> [HostsEntry] {
        FileSystem.lines(text).compactMap { line in
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let f = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard f.count >= 2 else { return nil }
            return HostsEntry(address: String(f[0]), hostnames: f.dropFirst().map(String.init))
        }
    }
}
