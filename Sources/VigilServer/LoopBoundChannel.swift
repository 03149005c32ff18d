import HummingbirdCore
import Logging
import NIOCore

/// Runs a connection's requests on the event loop that reads and writes its bytes.
///
/// Hummingbird runs each connection's handler on the cooperative pool: every request then
/// crosses threads twice more than its database hop needs (event loop → task for the
/// request, task → event loop for the response), and at thousands of agents those
/// hand-offs and the wake-ups they cause were the largest part of the server's profile.
/// Bound to its loop, the handler resumes there, and the response is written there.
/// Handlers must not block: database work already runs on the store's own executors.
///
/// The handler runs in a task of `tasks`, not as the child of Hummingbird's task group
/// that calls `handle`, which returns at once (see `ConnectionTasks`).
struct LoopBoundChannel<Base: ServerChildChannel>: ServerChildChannel where Base.Value: Sendable {
    typealias Value = Base.Value
    let base: Base
    let tasks: ConnectionTasks

    init(_ base: Base, tasks: ConnectionTasks) {
        self.base = base
        self.tasks = tasks
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        tasks.run(on: value.channel.eventLoop) { [base] in await base.handle(value: value, logger: logger) }
    }
}
