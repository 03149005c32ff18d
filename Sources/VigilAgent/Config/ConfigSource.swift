import VigilSystem
import Yams

/// Where the agent's configuration comes from, read the same way by the supervisor and
/// the worker, at start and on SIGHUP:
/// 1. the config file (`--config`), or the embedded default;
/// 2. the flagfile (`--flagfile`), whose flags are options over the config's;
/// 3. with `config_plugin=tls`, the config the fleet server sent last (kept in
///    DATA_DIR/server_config.json): its schedule, packs and decorators replace the local
///    ones, and its options apply under the local options and flags, which say how to
///    reach the server and so stay the host's own.
public struct ConfigSource: Sendable {
    public var configPath: String?
    public var flagfile: String?
    public var dataDirectory: String

    public init(configPath: String?, flagfile: String?, dataDirectory: String) {
        self.configPath = configPath
        self.flagfile = flagfile
        self.dataDirectory = dataDirectory
    }

    public var serverConfigPath: String { dataDirectory + "/server_config.json" }

    public func load() throws(ConfigError) -> LoadedConfig {
        let local = try configPath.map { path throws(ConfigError) in try ConfigLoader.load(path: path) } ?? ConfigLoader.defaultConfig()
        var options = local.config.options.raw.map { (name: $0.key, value: $0.value) }
        if let flagfile {
            options += try Flagfile.load(path: flagfile).map { (name: $0.name, value: $0.value.unquoted) }
        }
        var result = local
        let usesServer = options.last(where: { $0.name == "config_plugin" })?.value.split(separator: ",").contains("tls") == true
        if usesServer, let text = FileSystem.readTextIfPresent(serverConfigPath) {
            result = try ConfigLoader.parse(text, file: serverConfigPath)
            options = result.config.options.raw.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) } + options
        }
        if flagfile != nil || usesServer {
            result.config.options = try ConfigLoader.options(options, file: flagfile ?? configPath ?? "<options>")
        }
        return result
    }

    /// Everything the config was read from, for its hash (`osquery_info.config_hash`).
    public func text() -> String {
        var text = configPath.flatMap(FileSystem.readTextIfPresent) ?? ConfigLoader.defaultConfigText
        if let flagfile { text += FileSystem.readTextIfPresent(flagfile) ?? "" }
        text += FileSystem.readTextIfPresent(serverConfigPath) ?? ""
        return text
    }
}

extension ConfigLoader {
    /// Options given as name/value pairs (later ones win), checked and typed as a config's
    /// `options` section is.
    static func options(_ pairs: [(name: String, value: String)], file: String) throws(ConfigError) -> AgentOptions {
        var merged: [String: String] = [:]
        var order: [String] = []
        for pair in pairs {
            if merged[pair.name] == nil { order.append(pair.name) }
            merged[pair.name] = pair.value
        }
        let node = Node(order.map { (Node($0), Node(merged[$0]!)) })
        return try ConfigParser(file: file, baseDirectory: ".").parseOptions(node)
    }
}
