import Logging
import ServiceLifecycle
import Synchronization
import VigilSystem

/// A source of events that blocks on a descriptor (a netlink socket, a pipe), run on a
/// thread of its own until the worker stops. `read` loops until `stop` is set, waking at
/// least every half second to look; when it returns or throws, the service ends (and
/// logs why) without stopping the worker: its tables stay, empty.
public final class ReaderThreadService: Service, Sendable {
    let name: String
    let logger: Logger
    let read: @Sendable (_ stop: StopFlag) throws -> Void

    /// `name` is the thread's (at most 15 bytes) and the log's.
    public init(name: String, logger: Logger, read: @escaping @Sendable (_ stop: StopFlag) throws -> Void) {
        self.name = name
        self.logger = logger
        self.read = read
    }

    /// Set when the worker stops; the reader looks at it between waits.
    public final class StopFlag: Sendable {
        let flag = Atomic<Bool>(false)
        public var isSet: Bool { flag.load(ordering: .acquiring) }
        func set() { flag.store(true, ordering: .releasing) }
    }

    final class Control: Sendable {
        let stop = StopFlag()
        let finished = AsyncStream<Never>.makeStream()
    }

    public func run() async throws {
        let control = Control()
        let thread = try NamedThread.start(name) { [self] in
            do { try self.read(control.stop) } catch { self.logger.warning("\(self.name) stopped: \(error)") }
            control.finished.continuation.finish()
        }
        await withGracefulShutdownHandler {
            for await _ in control.finished.stream.cancelOnGracefulShutdown() {}
        } onGracefulShutdown: {
            control.stop.set()
        }
        control.stop.set()
        thread.join()
    }
}
