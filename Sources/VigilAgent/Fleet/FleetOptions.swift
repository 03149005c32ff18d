import Glibc
import VigilSystem
import VigilWire

/// The agent's connection to a fleet server, from osquery's flags (given as config
/// options or in a flagfile) with osquery's names and meanings. Endpoints default to
/// Fleet's paths, which `vigil server` serves.
public struct FleetOptions: Sendable, Equatable {
    /// `tls_hostname`: host:port, no scheme.
    public var hostname: String
    /// `tls_server_certs`: PEM file of the CAs (or certificates) to trust; the system's when unset.
    public var serverCerts: String?
    public var clientCert: String?
    public var clientKey: String?
    /// From `enroll_secret_path` or `enroll_secret_env`.
    public var enrollSecret: String
    /// `enroll_secret_path`, read again at each enrollment: an operator who rotates the
    /// secret updates the file, and agents that must enroll again use the new one.
    public var enrollSecretPath: String?
    public var enrollEndpoint = OsqueryPaths.enroll
    /// `config_plugin` includes tls.
    public var configFromServer = false
    public var configEndpoint = OsqueryPaths.config
    /// `config_refresh` (or `config_tls_refresh`), seconds; 0 fetches once at start.
    public var configRefreshSeconds = 0
    /// `logger_plugin` includes tls.
    public var loggerToServer = false
    public var loggerEndpoint = OsqueryPaths.log
    /// `logger_tls_period`, seconds between log sends.
    public var loggerPeriodSeconds = 4
    /// `logger_tls_max_lines`, lines per send.
    public var loggerMaxLines = 1024
    /// `logger_tls_compress`: gzip the logger's request bodies.
    public var loggerCompress = false
    /// `disable_distributed` false and `distributed_plugin` tls.
    public var distributed = false
    public var distributedIntervalSeconds = 60
    public var readEndpoint = OsqueryPaths.distributedRead
    public var writeEndpoint = OsqueryPaths.distributedWrite
    /// `vigil_telemetry_interval` (Vigil's): seconds between reports of the agent's own
    /// health to a Vigil server, 10 as Velociraptor's client stats; 0 turns them off.
    public var telemetrySeconds = 10

    public var baseURL: String { "https://" + hostname }

    /// Every setting at its default: what `from` falls back to, and what osquery_flags
    /// shows as the default values.
    public static let defaults = FleetOptions(hostname: "", enrollSecret: "")
    /// `distributed_plugin` when unset: the fleet server's distributed API.
    public static let defaultDistributedPlugin = "tls"

    /// nil when no `tls_hostname` is set: the agent then talks to no server. Throws a
    /// message naming the option when one is set wrongly.
    public static func from(_ raw: [String: String], environment: [String: String] = FleetOptions.environment()) throws(FleetOptionError) -> FleetOptions? {
        guard let hostname = raw["tls_hostname"], !hostname.isEmpty else {
            let plugins = ["config_plugin", "logger_plugin", "distributed_plugin"].filter { raw[$0]?.split(separator: ",").contains("tls") == true }
            if !plugins.isEmpty { throw FleetOptionError("\(plugins.joined(separator: ", ")) names tls but tls_hostname is not set; add tls_hostname=HOST:PORT") }
            return nil
        }
        guard !hostname.contains("/"), hostname.contains(":") || !hostname.isEmpty else {
            throw FleetOptionError("tls_hostname is host:port without a scheme or path (for example fleet.example.com:8443), not '\(hostname.prefix(60))'")
        }
        let secret: String
        if let path = raw["enroll_secret_path"], !path.isEmpty {
            guard let text = FileSystem.readTextIfPresent(path) else { throw FleetOptionError("enroll_secret_path \(path) cannot be read") }
            secret = text.trimmingCharacters()
        } else if let name = raw["enroll_secret_env"], !name.isEmpty {
            guard let value = environment[name] else { throw FleetOptionError("enroll_secret_env names \(name), which is not set in the environment") }
            secret = value.trimmingCharacters()
        } else {
            throw FleetOptionError("tls_hostname is set but no enroll secret is: add enroll_secret_path=FILE or enroll_secret_env=NAME")
        }
        guard !secret.isEmpty else { throw FleetOptionError("the enroll secret is empty") }
        var o = FleetOptions(hostname: hostname, enrollSecret: secret)
        o.enrollSecretPath = raw["enroll_secret_path"].flatMap { $0.isEmpty ? nil : $0 }
        o.serverCerts = raw["tls_server_certs"].flatMap { $0.isEmpty ? nil : $0 }
        o.clientCert = raw["tls_client_cert"].flatMap { $0.isEmpty ? nil : $0 }
        o.clientKey = raw["tls_client_key"].flatMap { $0.isEmpty ? nil : $0 }
        if (o.clientCert == nil) != (o.clientKey == nil) { throw FleetOptionError("tls_client_cert and tls_client_key go together; set both or neither") }
        for path in [o.serverCerts, o.clientCert, o.clientKey].compactMap({ $0 }) where access(path, R_OK) != 0 {
            throw FleetOptionError("\(path) cannot be read")
        }
        func endpoint(_ name: String, _ fallback: String) throws(FleetOptionError) -> String {
            guard let value = raw[name], !value.isEmpty else { return fallback }
            guard value.hasPrefix("/") else { throw FleetOptionError("\(name) is a path starting with /, not '\(value.prefix(60))'") }
            return value
        }
        func seconds(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws(FleetOptionError) -> Int {
            guard let text = raw[name] else { return fallback }
            guard let n = Int(text), range.contains(n) else { throw FleetOptionError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text.prefix(40))'") }
            return n
        }
        func flag(_ name: String, _ fallback: Bool) throws(FleetOptionError) -> Bool {
            switch raw[name]?.lowercased() {
            case nil: return fallback
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            case let other?: throw FleetOptionError("\(name) must be true or false, not '\(other.prefix(40))'")
            }
        }
        func plugins(_ name: String) -> [String] { (raw[name] ?? "").split(separator: ",").map { String($0).trimmingCharacters() } }
        o.enrollEndpoint = try endpoint("enroll_tls_endpoint", o.enrollEndpoint)
        o.configFromServer = plugins("config_plugin").contains("tls")
        o.configEndpoint = try endpoint("config_tls_endpoint", o.configEndpoint)
        let d = Self.defaults
        o.configRefreshSeconds = try seconds(raw["config_refresh"] != nil ? "config_refresh" : "config_tls_refresh", d.configRefreshSeconds, 0...604_800)
        o.loggerToServer = plugins("logger_plugin").contains("tls")
        o.loggerEndpoint = try endpoint("logger_tls_endpoint", o.loggerEndpoint)
        o.loggerPeriodSeconds = try seconds("logger_tls_period", d.loggerPeriodSeconds, 1...3600)
        o.loggerMaxLines = try seconds("logger_tls_max_lines", d.loggerMaxLines, 1...100_000)
        o.loggerCompress = try flag("logger_tls_compress", d.loggerCompress)
        o.distributed = !(try flag("disable_distributed", !d.distributed)) && (raw["distributed_plugin"] ?? Self.defaultDistributedPlugin) == "tls"
        o.distributedIntervalSeconds = try seconds("distributed_interval", d.distributedIntervalSeconds, 1...86_400)
        o.readEndpoint = try endpoint("distributed_tls_read_endpoint", o.readEndpoint)
        o.writeEndpoint = try endpoint("distributed_tls_write_endpoint", o.writeEndpoint)
        o.telemetrySeconds = try seconds("vigil_telemetry_interval", d.telemetrySeconds, 0...3600)
        return o
    }

    public static func environment() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { out[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}

/// A fleet option that cannot be used, and why.
public struct FleetOptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
