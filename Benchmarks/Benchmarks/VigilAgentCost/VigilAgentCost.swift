import Benchmark
import VigilAgent
import VigilSQL
import VigilTables

// What per-query cost accounting adds to a scheduled query: the same SQL run
// plainly (prepare, step, rows as text) and through QueryExecutor (thread CPU
// clock and rusage, wall clock, resetting and reading the RSS high-water mark,
// output size). The difference is the accounting's cost per query.
let benchmarks: @Sendable () -> Void = {
    let database = try! Database(tables: TableRegistry.all())
    let config = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(3))

    for (name, sql) in [("SELECT 1", "SELECT 1"), ("processes", "SELECT pid, name, cmdline FROM processes")] {
        Benchmark("\(name): plain", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations {
                let rows = try database.query(sql)
                blackHole(rows)
            }
        }
        Benchmark("\(name): with cost accounting", configuration: config) { benchmark in
            for _ in benchmark.scaledIterations {
                let run = try QueryExecutor.run(sql, on: database)
                blackHole(run)
            }
        }
    }
}
