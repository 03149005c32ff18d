import Logging
import ServiceLifecycle
import VigilOutputs
import VigilServerStore
import VigilSystem

/// Where the server forwards the result and status lines agents send, besides storing
/// them: the agent's own `syslog` and `tcp` outputs (`--forward syslog[:PATH]`,
/// `--forward tcp://HOST:PORT`).
public enum ForwardTarget: Sendable, Equatable, CustomStringConvertible {
    case syslog(path: String)
    case tcp(TCPEndpoint)

    public init(_ text: String) throws(StoreFileError) {
        if text == "syslog" { self = .syslog(path: "/dev/log"); return }
        if text.hasPrefix("syslog:") { self = .syslog(path: String(text.dropFirst(7))); return }
        if text.hasPrefix("tcp://") {
            switch TCPEndpoint.parse(String(text.dropFirst(6))) {
            case .success(let endpoint): self = .tcp(endpoint); return
            case .failure(let error): throw StoreFileError("--forward \(text): \(error)")
            }
        }
        throw StoreFileError("--forward takes syslog, syslog:/PATH/TO/SOCKET or tcp://HOST:PORT, not '\(text.prefix(60))'")
    }

    public var description: String {
        switch self {
        case .syslog(let path): "syslog:\(path)"
        case .tcp(let endpoint): "tcp://\(endpoint)"
        }
    }

    func makeOutput() -> any RecordOutput {
        switch self {
        case .syslog(let path): SyslogOutput(path: path)
        case .tcp(let endpoint): TCPOutput(endpoint: endpoint)
        }
    }
}

/// Forwards stored lines to one target, in the order they were stored, at least once:
/// the cursor (the last line the target took, in the store, so that a restarted server
/// goes on where it stopped) moves only as far as the output says it delivered. The
/// outputs never wait long (non-blocking sockets), and run on an executor of their own.
/// Lines are forwarded once they are a second old, so that a write still committing
/// under a lower id (several writers on PostgreSQL) is not passed over.
struct Forwarder: Service {
    let target: ForwardTarget
    let store: any ServerStore
    let logger: Logger
    static let executor = SerialTaskExecutor(label: "vigil.server.forward")

    var cursorKey: String { SQLServerStore.forwardCursorPrefix + target.description }

    func run() async throws {
        try await withTaskExecutorPreference(Self.executor) {
            let output = OutputBox(target.makeOutput())
            var cursor = Int64(try await store.setting(cursorKey) ?? "") ?? 0
            var settled = try await store.lastLogID()
            var lastError: String?
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await DispatchPause.seconds(1)
                do {
                    let newest = try await store.lastLogID()
                    defer { settled = newest }
                    let lines = try await store.logs(after: cursor, through: settled, limit: 1000)
                    guard !lines.isEmpty else { continue }
                    let items = lines.map { OutboxItem(id: $0.id, name: $0.name, epoch: 0, counter: 0, payload: Array(($0.line + "\n").utf8), position: nil) }
                    let progress = output.value.send(items)
                    if let through = progress.through, through > cursor {
                        cursor = through
                        try await store.setSetting(cursorKey, String(cursor))
                    }
                    if progress.error != lastError {
                        if let error = progress.error { logger.warning("forwarding to \(target): \(error)") }
                        else { logger.info("forwarding to \(target) resumed") }
                        lastError = progress.error
                    }
                } catch {
                    logger.error("forwarding to \(target): \(error)")
                }
            }
        }
    }
}

/// An output used only on the forwarder's own executor.
private final class OutputBox: @unchecked Sendable {
    let value: any RecordOutput
    init(_ value: any RecordOutput) { self.value = value }
}
