import Dispatch

/// An engine that reports how long each read and write took (the server's database
/// timings in /metrics), the store above it unchanged.
final class TimedEngine: SQLEngine {
    let inner: any SQLEngine
    let observe: @Sendable (_ operation: String, _ seconds: Double) -> Void

    init(_ inner: any SQLEngine, observe: @escaping @Sendable (_ operation: String, _ seconds: Double) -> Void) {
        self.inner = inner
        self.observe = observe
    }

    var dialect: SQLDialect { inner.dialect }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await timed("read") { try await inner.read(body) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await timed("write") { try await inner.write(body) }
    }

    func writeStatement<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await timed("write") { try await inner.writeStatement(body) }
    }

    func notify(_ channel: String, _ payload: String) async throws { try await inner.notify(channel, payload) }
    func subscribe(_ channel: String, _ handler: @escaping @Sendable (String) -> Void) { inner.subscribe(channel, handler) }
    func shutdown() async { await inner.shutdown() }

    private func timed<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { observe(operation, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try await body()
    }
}

extension SQLServerStore {
    /// The same store, telling `observe` the duration of every read and write (failed ones included).
    public func timed(_ observe: @escaping @Sendable (_ operation: String, _ seconds: Double) -> Void) -> SQLServerStore {
        SQLServerStore(engine: TimedEngine(engine, observe: observe))
    }
}
