import ArgumentParser
import Logging
import Synchronization
import VigilAgent

/// `--log-level`: the least severe line written to standard error.
enum LogLevelArgument: String, ExpressibleByArgument, CaseIterable {
    case debug, info, warning, error

    var level: Logger.Level {
        switch self {
        case .debug: return .debug
        case .info: return .info
        case .warning: return .warning
        case .error: return .error
        }
    }
}

/// The level every standard-error handler consults when a line is logged, so that a
/// level the agent's config sets (`verbose`, osquery's `logger_min_status`), read after
/// logging has started, applies to the loggers made before it too.
enum ProcessLogLevel {
    private static let current = Atomic<UInt8>(Self.code(.info))

    static var level: Logger.Level { Logger.Level.allCases.first { code($0) == current.load(ordering: .relaxed) } ?? .info }
    static func set(_ level: Logger.Level) { current.store(code(level), ordering: .relaxed) }

    private static func code(_ level: Logger.Level) -> UInt8 { UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 2) }

    /// The level an agent config asks for: `verbose: true` is debug; `logger_min_status`
    /// is osquery's 0 info, 1 warning, 2 error, 3 fatal. Nil when it says neither.
    static func fromConfig(_ options: AgentOptions) -> Logger.Level? {
        if options.verbose { return .debug }
        switch options.loggerMinStatus {
        case 0: return .info
        case 1: return .warning
        case 2: return .error
        case 3: return .critical
        default: return nil
        }
    }
}

/// Standard error at `ProcessLogLevel`'s level at the moment of each line, and the
/// fleet's status log (the agent worker) at its own. One handler rather than swift-log's
/// multiplexer, which fixes its level when it is made.
struct ProcessLevelHandler: LogHandler {
    var inner: StreamLogHandler
    var statusLog: (any LogHandler)?

    init(_ inner: StreamLogHandler, statusLog: (any LogHandler)? = nil) {
        self.inner = inner
        self.inner.logLevel = .trace
        self.statusLog = statusLog
    }

    var logLevel: Logger.Level {
        get { min(ProcessLogLevel.level, statusLog?.logLevel ?? .critical) }
        set { ProcessLogLevel.set(newValue) }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        if event.level >= ProcessLogLevel.level { inner.log(event: event) }
        if let statusLog, event.level >= statusLog.logLevel { statusLog.log(event: event) }
    }
}
