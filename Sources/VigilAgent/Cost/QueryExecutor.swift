import VigilSQL
import VigilSystem

/// The rows of one query run and what it cost.
public struct QueryRun: Sendable {
    public var rows: [ResultRow]
    public var cost: QueryCost
}

/// A failed query run: SQLite's error, plus what the run cost until it failed (a query
/// that fails after a minute of work still cost a minute).
public struct QueryFailure: Error, Sendable, CustomStringConvertible {
    public var error: SQLError
    public var cost: QueryCost
    public var description: String { error.description }
}

/// Runs scheduled SQL on the calling thread and measures it. Everything between the
/// two clock readings is the query: preparing, stepping the tables, and turning values
/// into the text osquery logs.
public enum QueryExecutor {
    public static func run(_ sql: String, on database: Database) throws(QueryFailure) -> QueryRun {
        let memoryStart = MemoryPeak.start()
        let cpuStart = ThreadCPUTime.now()
        let wallStart = Clock.monotonicNanoseconds()
        var rows: [ResultRow] = []
        var failure: SQLError?
        do {
            rows = try collect(sql, on: database)
        } catch {
            failure = error
        }
        let wallEnd = Clock.monotonicNanoseconds()
        let cpuEnd = ThreadCPUTime.now()
        var cost = QueryCost()
        cost.wallNanoseconds = wallEnd - wallStart
        (cost.userNanoseconds, cost.systemNanoseconds) = cpuEnd.since(cpuStart)
        cost.memoryBytes = MemoryPeak.growth(since: memoryStart)
        cost.rows = rows.count
        // Measured after the clocks stop, so that accounting is not billed to the query.
        cost.outputBytes = rows.reduce(0) { $0 + ResultLogFormat.object($1).utf8.count }
        if let failure { throw QueryFailure(error: failure, cost: cost) }
        return QueryRun(rows: rows, cost: cost)
    }

    /// Every row of every statement in `sql`, values as text (NULL as "", as osquery logs it).
    static func collect(_ sql: String, on database: Database) throws(SQLError) -> [ResultRow] {
        var rows: [ResultRow] = []
        var rest = Substring(sql)
        while !rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            let (statement, tail) = try database.prepare(String(rest))
            rest = tail
            guard let statement else { continue }
            let names = statement.columnNames
            while try statement.step() {
                var row: ResultRow = [:]
                row.reserveCapacity(names.count)
                for (name, value) in zip(names, statement.row()) { row[name] = value.text ?? "" }
                rows.append(row)
            }
        }
        return rows
    }
}
