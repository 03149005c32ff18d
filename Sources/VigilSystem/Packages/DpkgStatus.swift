/// One package stanza of dpkg's status database (`<admindir>/status`).
public struct DpkgPackage: Sendable, Equatable {
    public var name = ""
    public var version = ""
    /// Source package name without the "(version)" dpkg appends when it differs.
    public var source = ""
    /// Installed-Size as dpkg records it (KiB).
    public var installedSize: Int64?
    public var architecture = ""
    /// The "want flag status" triple, e.g. "install ok installed".
    public var status = ""
    public var maintainer = ""
    public var section = ""
    public var priority = ""

    /// The Debian revision: what follows the last '-' of the version, or "".
    public var revision: String {
        guard let dash = version.lastIndex(of: "-") else { return "" }
        return String(version[version.index(after: dash)...])
    }

    /// Whether dpkg still has something of it on disk: everything but "not-installed"
    /// (so config-files and half-installed packages count, as `dpkg-query -W` lists them).
    public var isPresent: Bool {
        guard let state = status.split(separator: " ").last else { return false }
        return state != "not-installed"
    }
}

/// Reader for the deb822 stanzas of /var/lib/dpkg/status.
public enum DpkgStatus {
    public static let defaultAdminDirectory = "/var/lib/dpkg"

    /// Every package stanza in `<adminDirectory>/status`, in file order.
    public static func read(adminDirectory: String = defaultAdminDirectory) throws(SystemError) -> [DpkgPackage] {
        parse(try FileSystem.readText(adminDirectory + "/status", limit: 1 << 30))
    }

    /// Stanzas are separated by blank lines; continuation lines (leading space)
    /// belong to multi-line fields such as Description, which are not needed.
    public static func parse(_ text: String) -> [DpkgPackage] {
        var packages: [DpkgPackage] = []
        var current = DpkgPackage()
        var inStanza = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                if inStanza, !current.name.isEmpty { packages.append(current) }
                current = DpkgPackage()
                inStanza = false
                continue
            }
            if line.first == " " || line.first == "\t" { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            inStanza = true
            let value = line[line.index(after: colon)...].trimmingCharacters()
            switch line[..<colon] {
            case "Package": current.name = value
            case "Version": current.version = value
            case "Source": current.source = String(value.split(separator: " ").first ?? "")
            case "Installed-Size": current.installedSize = Int64(value)
            case "Architecture": current.architecture = value
            case "Status": current.status = value
            case "Maintainer": current.maintainer = value
            case "Section": current.section = value
            case "Priority": current.priority = value
            default: break
            }
        }
        if inStanza, !current.name.isEmpty { packages.append(current) }
        return packages
    }
}
