/// Computes the `decorations` of results from the decorator queries: the columns of each
/// query's first row, as osquery does. Load decorators run at (re)load, interval ones
/// every N seconds, always ones at each call; later kinds win on a shared column name.
/// A failing decorator is left out and its error kept for the caller to log.
public struct DecorationState: Sendable {
    public let decorators: Decorators
    private var loadValues: [String: String] = [:]
    private var intervalValues: [Int: [String: String]] = [:]
    private var nextInterval: [Int: Int64] = [:]
    /// Errors of the last decorator runs, by SQL.
    public private(set) var errors: [String: String] = [:]

    public init(decorators: Decorators) {
        self.decorators = decorators
    }

    /// Run the load decorators (at start and after a config reload), and reset interval ones.
    public mutating func load<E: Error>(now: Int64, run: (String) throws(E) -> [ResultRow]) {
        loadValues = evaluate(decorators.load, run: run)
        intervalValues = [:]
        nextInterval = [:]
        for seconds in decorators.interval.keys { nextInterval[seconds] = now }
    }

    /// The decorations to put on a result produced at `now`.
    public mutating func decorations<E: Error>(at now: Int64, run: (String) throws(E) -> [ResultRow]) -> [String: String] {
        var out = loadValues
        for seconds in decorators.interval.keys.sorted() {
            if let due = nextInterval[seconds], due <= now {
                intervalValues[seconds] = evaluate(decorators.interval[seconds] ?? [], run: run)
                nextInterval[seconds] = now + Int64(seconds)
            }
            out.merge(intervalValues[seconds] ?? [:]) { _, new in new }
        }
        if !decorators.always.isEmpty {
            out.merge(evaluate(decorators.always, run: run)) { _, new in new }
        }
        return out
    }

    private mutating func evaluate<E: Error>(_ queries: [String], run: (String) throws(E) -> [ResultRow]) -> [String: String] {
        var out: [String: String] = [:]
        for sql in queries {
            do {
                out.merge(try run(sql).first ?? [:]) { _, new in new }
                errors[sql] = nil
            } catch {
                errors[sql] = "\(error)"
            }
        }
        return out
    }
}
