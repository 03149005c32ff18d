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

    /// Create the directory (mode 0700: it holds query results) if missing, and refuse
    /// one someone else prepared: the agent writes its results, state and socket there
    /// as root, so a directory another user owns or may write to would let them plant
    /// links (results.log → a root-only file) or files the agent then trusts.
    public func prepare() throws(AgentPathsError) {
        var path = dataDirectory.hasPrefix("/") ? "" : "."
        for part in dataDirectory.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o700) != 0 && errno != EEXIST { throw .system(SystemError("mkdir", path: path)) }
        }
        var st = stat()
        guard stat(dataDirectory, &st) == 0 else { throw .system(SystemError("stat", path: dataDirectory)) }
        guard st.st_uid == geteuid() || st.st_uid == 0 else {
            throw .untrusted(dataDirectory, "it is owned by uid \(st.st_uid), not by this user (uid \(geteuid())) or root")
        }
        guard st.st_mode & 0o022 == 0 else {
            throw .untrusted(dataDirectory, "others may write to it (mode \(String(st.st_mode & 0o7777, radix: 8)))")
        }
    }
}

public enum AgentPathsError: Error, CustomStringConvertible {
    case system(SystemError)
    case untrusted(String, String)

    public var description: String {
        switch self {
        case .system(let e): return "\(e)"
        case .untrusted(let path, let why):
            return "refusing the data directory \(path): \(why); use a directory only the agent's user can write (chmod go-w, or a new one)"
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
