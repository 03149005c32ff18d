import VigilSystem
import Yams

/// Where the agent's configuration comes from, read the same way by the supervisor and
/// the worker, at start and on SIGHUP:
/// 1. the config file (`--config`), or the embedded default: read by the supervisor,
///    whose checked text the worker runs (`ConfigHandoff`);
/// 2. the flagfile (`--flagfile`), whose flags are options over the config's;
/// 3. with `config_plugin=tls`, the config the fleet server sent last (kept in
///    DATA_DIR/server_config.json): its schedule, packs and decorators replace the local
///    ones, and its options apply under the local options and flags, which say how to
///    reach the server and so stay the host's own.
public struct ConfigSource: Sendable {
    public var configPath: String?
    public var flagfile: String?
    public var dataDirectory: String
    /// The supervisor publishes the config text it read; a worker runs the published text.
    public var publishes: Bool

    public init(configPath: String?, flagfile: String?, dataDirectory: String, publishes: Bool = false) {
        self.configPath = configPath
        self.flagfile = flagfile
        self.dataDirectory = dataDirectory
        self.publishes = publishes
    }

    var handoff: ConfigHandoff { ConfigHandoff(paths: AgentPaths(dataDirectory: dataDirectory)) }

    public var serverConfigPath: String { dataDirectory + "/server_config.json" }

    public func load() throws(ConfigError) -> LoadedConfig {
        let local = publishes ? try handoff.loadAndPublish(configPath) : try handoff.loadPublished(configPath)
        var options = local.config.options.raw.map { (name: $0.key, value: $0.value) }
        if let flagfile {
            options += try Flagfile.load(path: flagfile).map { (name: $0.name, value: $0.value.unquoted) }
        }
        var result = local
        let usesServer = options.last(where: { $0.name == "config_plugin" })?.value.split(separator: ",").contains("tls") == true
        // Written by the worker itself (0600, by rename) in the agent's own directory.
        if usesServer, let text = try? RegularFile.readText(serverConfigPath) {
            // A config the server sent that cannot be used (with these local options) is
            // set aside with a warning: the agent starts on its own config and asks the
            // server again, rather than refusing to start at all.
            do throws(ConfigError) {
                var served = try ConfigLoader.parse(text, file: serverConfigPath)
                let merged = served.config.options.raw.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) } + options
                served.config.options = try ConfigLoader.options(merged, file: serverConfigPath)
                do { _ = try FleetOptions.from(served.config.options.raw) } catch {
                    throw ConfigError(file: serverConfigPath, line: 1, column: 1, reason: error.description)
                }
                served.warnings += local.warnings
                return served
            } catch {
                result.warnings.append(ConfigWarning(file: serverConfigPath, line: error.line, column: error.column,
                                                     message: "the server's config is not used: \(error.reason)"))
            }
        }
        if flagfile != nil || usesServer {
            result.config.options = try ConfigLoader.options(options, file: flagfile ?? configPath ?? "<options>")
        }
        return result
    }

    /// Everything the config was read from, for its hash (`osquery_info.config_hash`).
    public func text() -> String {
        var text = (try? handoff.publishedText(configPath)) ?? ConfigLoader.defaultConfigText
        if let flagfile { text += (try? RegularFile.readText(flagfile)) ?? "" }
        text += (try? RegularFile.readText(serverConfigPath)) ?? ""
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
