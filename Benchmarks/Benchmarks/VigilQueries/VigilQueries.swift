import Benchmark
import Glibc
import VigilSQL
import VigilSystem
import VigilTables

/// In-process cost of the SQL layer: what a scheduled query costs the agent,
/// without process start-up (the peer scripts in ../scripts measure that).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5),
        maxIterations: 200
    )

    let database = try! Database(tables: TableRegistry.all())
    let pid = getpid()

    func run(_ sql: String) throws -> Int {
        var rows = 0
        try database.forEachStatement(sql) { s in
            while try s.step() { rows += 1; blackHole(s.row()) }
        }
        return rows
    }

    Benchmark("processes: pid, name, cmdline") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try run("SELECT pid, name, cmdline FROM processes")) }
    }

    Benchmark("processes: SELECT *") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try run("SELECT * FROM processes")) }
    }

    Benchmark("processes: WHERE pid = self") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try run("SELECT * FROM processes WHERE pid = \(pid)")) }
    }

    Benchmark("open database with every table") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try Database(tables: TableRegistry.all())) }
    }
}
