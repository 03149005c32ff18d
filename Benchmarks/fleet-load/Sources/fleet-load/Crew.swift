// The agents one process runs. Each agent holds its connections open, so a process
// needs a descriptor per connection; past the open-file limit (20,000 in this
// container, and only root with CAP_SYS_RESOURCE may raise it) the agents are split
// among worker processes.
import Foundation
import NIOCore
import NIOPosix

/// Agent i belongs to share k of n when i mod n == k, so every share ramps up over the
/// whole ramp.
struct Share: Sendable {
    let index: Int
    let of: Int
    init(index: Int, of: Int) {
        self.index = index
        self.of = of
    }
    /// "K/N".
    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 0, k < n else { return nil }
        self.init(index: k, of: n)
    }
    var text: String { "\(index)/\(of)" }
}

final class Crew: Sendable {
    let agents: [Agent]
    let options: Options

    init(fleet: Fleet, group: EventLoopGroup, share: Share) {
        let options = fleet.options
        let heldCount = Self.heldCount(options)
        self.options = options
        agents = stride(from: share.index, to: options.agents, by: share.of).map { i in
            // Held agents spread evenly among the others.
            let held = heldCount > 0 && (i * heldCount) / options.agents != ((i + 1) * heldCount) / options.agents
            return Agent(index: i, held: held, fleet: fleet, loop: group.next())
        }
        for loop in group.makeIterator() {
            let mine = agents.filter { $0.loop === loop }
            Lane.sweep(mine.map(\.main) + mine.compactMap(\.wait), on: loop)
        }
    }

    static func heldCount(_ options: Options) -> Int { Int((Double(options.agents) * options.heldFraction).rounded()) }

    func start() {
        for agent in agents {
            agent.start(after: options.ramp * Double(agent.index) / Double(options.agents) + Double.random(in: 0..<0.01))
        }
    }

    /// Close every connection (TLS close_notify, as a stopping agent would), waiting
    /// up to a second for them.
    func stop() async {
        let closing = agents.map { agent in agent.loop.submit { agent.stop() } }
        if let loop = closing.first?.eventLoop { try? await EventLoopFuture<Void>.andAllComplete(closing, on: loop).get() }
        try? await Task.sleep(for: .seconds(1))
    }

    /// Descriptors this process may hold.
    static func openFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// Processes needed for one connection per agent and one more per held read, with
    /// room for each process's own descriptors (event loops, standard streams, files).
    static func processesNeeded(_ options: Options) -> Int {
        let connections = options.agents + heldCount(options)
        let room = max(100, openFileLimit() - 200)
        return (connections + room - 1) / room
    }
}
