import Glibc
import VigilSystem

/// One process reads the config: the supervisor reads and checks the file, then hands
/// the text it checked to its workers in DATA_DIR/config.in-force (written whole, by
/// rename), and a supervised worker parses that text rather than the file. So the two
/// never run different configs because the file changed (or was swapped for a FIFO)
/// between their reads, at start, after a restart or on SIGHUP. Packs are still read
/// from their own files by each.
public struct ConfigHandoff: Sendable {
    public let path: String

    public init(paths: AgentPaths) { path = paths.dataDirectory + "/config.in-force" }

    /// Supervisor: read and check the config at `configPath` (nil: the embedded default)
    /// and publish its text; a config that does not load publishes nothing.
    public func loadAndPublish(_ configPath: String?) throws(ConfigError) -> LoadedConfig {
        let text: String
        do { text = try configPath.map { p throws(SystemError) in try RegularFile.readText(p) } ?? ConfigLoader.defaultConfigText } catch {
            throw ConfigError(file: configPath ?? "", line: 1, column: 1, reason: "cannot read the config: \(error)")
        }
        let loaded = try parse(text, as: configPath)
        do { try publish(text) } catch {
            throw ConfigError(file: path, line: 1, column: 1, reason: "cannot hand the config to the worker: \(error)")
        }
        return loaded
    }

    /// Worker: the config its supervisor published, parsed as if read from
    /// `configPath` (pack paths and errors are relative to it). A worker with no
    /// supervisor reads `configPath` itself.
    public func loadPublished(_ configPath: String?) throws(ConfigError) -> LoadedConfig {
        try parse(try publishedText(configPath), as: configPath)
    }

    /// The text a worker runs: the published one when supervised.
    public func publishedText(_ configPath: String?) throws(ConfigError) -> String {
        let source = DataDirectoryLock.isSupervised ? path : configPath
        do { return try source.map { p throws(SystemError) in try RegularFile.readText(p) } ?? ConfigLoader.defaultConfigText } catch {
            throw ConfigError(file: source ?? "", line: 1, column: 1, reason: "cannot read the config: \(error)")
        }
    }

    func parse(_ text: String, as configPath: String?) throws(ConfigError) -> LoadedConfig {
        try ConfigLoader.parse(text, file: configPath ?? "<embedded default config>",
                               baseDirectory: configPath.map(ConfigParser.directory(of:)) ?? ".")
    }

    /// Write `text` to a new file beside the published one, then rename it over it.
    func publish(_ text: String) throws(SystemError) {
        let temporary = path + ".\(getpid())"
        unlink(temporary)
        let fd = try retryingEINTR("open", path: temporary) { open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) }
        let bytes = Array(text.utf8)
        let written = write(fd, bytes, bytes.count)
        close(fd)
        guard written == bytes.count else {
            unlink(temporary)
            throw SystemError("write", path: temporary, errno: written < 0 ? errno : ENOSPC)
        }
        _ = try retryingEINTR("rename", path: path) { rename(temporary, path) }
    }
}
