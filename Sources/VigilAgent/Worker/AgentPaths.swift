import Glibc
import VigilSystem

/// Where the agent keeps its state: one directory with the state database and the
/// results log (unless `logger_path` puts the log elsewhere).
public struct AgentPaths: Sendable {
    public let dataDirectory: String
    public var statePath: String { dataDirectory + "/state.db" }
    public var defaultResultsLog: String { dataDirectory + "/results.log" }

    /// /var/lib/vigil when root, else ./vigil-data.
    public static var defaultDataDirectory: String { geteuid() == 0 ? "/var/lib/vigil" : "./vigil-data" }

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Create the directory (mode 0700: it holds query results) if missing.
    public func prepare() throws(SystemError) {
        var path = dataDirectory.hasPrefix("/") ? "" : "."
        for part in dataDirectory.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o700) != 0 && errno != EEXIST { throw SystemError("mkdir", path: path) }
        }
    }
}

/// The host identifier results carry (osquery's --host_identifier kinds).
public enum HostIdentifier {
    public static func resolve(_ options: AgentOptions) -> String {
        switch options.hostIdentifier {
        case "specified": return options.specifiedIdentifier ?? hostname()
        case "uuid": return uuid() ?? hostname()
        case "instance": return machineID() ?? hostname()
        case "ephemeral": return machineID().map { String($0.prefix(8)) + "-\(getpid())" } ?? hostname()
        default: return hostname()
        }
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func uuid() -> String? {
        FileSystem.readTextIfPresent("/sys/class/dmi/id/product_uuid")?.trimmingCharacters().lowercased()
    }

    static func machineID() -> String? {
        FileSystem.readTextIfPresent("/etc/machine-id")?.trimmingCharacters()
    }
}
