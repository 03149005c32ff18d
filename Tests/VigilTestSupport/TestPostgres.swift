import Foundation
import Synchronization
import Testing

/// A real PostgreSQL server for the tests, started once per test process: a throwaway
/// cluster (initdb, then pg_ctl) in a temporary directory, listening on a Unix socket
/// only, stopped when the process exits. `VIGIL_TEST_POSTGRES` (a postgres:// URL of a
/// server where the tests may create databases) uses an existing server instead.
/// Without PostgreSQL the tests that need it are skipped, and said so; in CI
/// (CI=true) they fail, as a skip there would hide an untested backend.
public enum TestPostgres {
    /// Whether tests that need PostgreSQL should run at all.
    public static var available: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true" || ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES"] != nil
            || binaries != nil
    }

    /// A new, empty database on the test server, as a URL for `--database`.
    public static func newDatabase(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let server = try #require(try cluster.withLock { state -> Server? in
            if state == nil { state = try start() }
            return state
        }, "PostgreSQL is not installed (Debian's postgresql; scripts/bootstrap installs it)", sourceLocation: sourceLocation)
        let name = "vigil_test_\(getpid())_\(counter.add(1, ordering: .relaxed).newValue)"
        try server.psql("CREATE DATABASE \(name)")
        return server.url(database: name)
    }

    /// `newDatabase`, on a thread of its own: psql runs as a child process, and waiting
    /// for it on an executor would stall every task that executor runs (the in-process
    /// servers' request handlers among them).
    public static func newDatabase() async throws -> String {
        try await offThread { try newDatabase() }
    }

    /// `query`, on a thread of its own (see the async `newDatabase`).
    public static func query(database: String, _ sql: String) async throws -> [String] {
        try await offThread { try query(database: database, sql) }
    }

    /// `dump`, on a thread of its own.
    public static func dump(database: String) async throws -> String {
        try await offThread { try dump(database: database) }
    }

    public static func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// The database a URL from `newDatabase` names.
    public static func name(of url: String) -> String {
        String((URLComponents(string: url)?.path ?? "").drop(while: { $0 == "/" }))
    }

    /// Everything in one of the test databases, as pg_dump writes it (to look for what must not be stored).
    public static func dump(database: String) throws -> String {
        let server = try #require(cluster.withLock { $0 }, "no test PostgreSQL is running")
        var args = [server.bin + "/pg_dump", "--data-only"]
        if let base = server.base { args += ["-d", base + "/" + database] } else { args += ["-h", server.socketDirectory ?? "", "-U", "postgres", database] }
        let (status, output) = run(args)
        guard status == 0 else { throw PostgresFixtureError("pg_dump: \(output)") }
        return output
    }

    /// One query's rows on a test database, as `psql -At` prints them (columns split by `|`).
    public static func query(database: String, _ sql: String) throws -> [String] {
        let server = try #require(cluster.withLock { $0 }, "no test PostgreSQL is running")
        var args = [server.bin + "/psql", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]
        if let base = server.base { args += ["-d", base + "/" + database] } else { args += ["-h", server.socketDirectory ?? "", "-U", "postgres", "-d", database] }
        let (status, output) = run(args)
        guard status == 0 else { throw PostgresFixtureError("psql \(sql): \(output)") }
        return output.split(separator: "\n").map(String.init)
    }

    struct Server: Sendable {
        var socketDirectory: String?
        var base: String? // an external server's URL, without the database
        var bin: String

        func url(database: String) -> String {
            if let base { return base + "/" + database }
            return "postgres://postgres@/\(database)?host=\(socketDirectory ?? "")"
        }

        func psql(_ sql: String) throws {
            var args = [bin + "/psql", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql]
            if let base { args += ["-d", base + "/postgres"] } else { args += ["-h", socketDirectory ?? "", "-U", "postgres", "-d", "postgres"] }
            let (status, output) = TestPostgres.run(args)
            guard status == 0 else { throw PostgresFixtureError("psql \(sql): \(output)") }
        }
    }

    public struct PostgresFixtureError: Error, CustomStringConvertible {
        public let description: String
        init(_ d: String) { description = d }
    }

    private static let cluster = Mutex<Server?>(nil)
    private static let counter = Atomic<Int>(0)
    nonisolated(unsafe) private static var clusterDirectory = ""
    nonisolated(unsafe) private static var clusterBin = ""

    static var binaries: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.last.map { "\(root)/\($0)/bin" }.flatMap { FileManager.default.fileExists(atPath: $0 + "/initdb") ? $0 : nil }
    }

    private static func start() throws -> Server? {
        if let external = ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES"] {
            let base = external.hasSuffix("/") ? String(external.dropLast()) : external
            return Server(socketDirectory: nil, base: base, bin: binaries ?? "/usr/bin")
        }
        guard binaries != nil else { return nil }
        let cluster = try Cluster.create(options: "-c max_connections=1000")
        clusterDirectory = cluster.directory
        clusterBin = cluster.bin
        atexit {
            let stop = (geteuid() == 0 ? "/usr/sbin/runuser -u postgres -- " : "") + "\(TestPostgres.clusterBin)/pg_ctl -D \(TestPostgres.clusterDirectory)/data -m immediate stop"
            _ = TestPostgres.run(["/bin/sh", "-c", stop + " >/dev/null 2>&1; rm -rf \(TestPostgres.clusterDirectory)"])
        }
        return Server(socketDirectory: cluster.directory, base: nil, bin: cluster.bin)
    }

    /// A PostgreSQL cluster of one test's own, for tests that stop and start it (the shared
    /// one serves every other test at the same time). Its methods wait for child
    /// processes: call them off the servers' executor (`TestPostgres.offThread`).
    public final class Cluster: Sendable {
        public let directory: String
        let bin: String
        let options: String
        private let prefix: [String]

        /// initdb and start a cluster on a Unix socket in a new temporary directory.
        public static func create(options extra: String = "") throws -> Cluster {
            guard let bin = binaries else { throw PostgresFixtureError("PostgreSQL is not installed (Debian's postgresql; scripts/bootstrap installs it)") }
            let dir = "/tmp/vigil-test-pg-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            // initdb refuses to run as root: as root, the cluster belongs to the postgres user.
            var prefix: [String] = []
            if geteuid() == 0 {
                prefix = ["/usr/sbin/runuser", "-u", "postgres", "--"]
                _ = run(["/bin/chown", "postgres", dir])
            }
            let (initStatus, initOutput) = run(prefix + [bin + "/initdb", "-D", dir + "/data", "-A", "trust", "-U", "postgres", "--no-sync"])
            guard initStatus == 0 else { throw PostgresFixtureError("initdb: \(initOutput)") }
            let cluster = Cluster(directory: dir, bin: bin, prefix: prefix,
                                  options: "-c listen_addresses='' -k \(dir) -c fsync=off -c synchronous_commit=off \(extra)")
            try cluster.start()
            return cluster
        }

        private init(directory: String, bin: String, prefix: [String], options: String) {
            self.directory = directory
            self.bin = bin
            self.prefix = prefix
            self.options = options
        }

        public func start() throws {
            let (status, output) = run(prefix + [bin + "/pg_ctl", "-D", directory + "/data", "-o", options, "-l", directory + "/log", "-w", "start"])
            guard status == 0 else {
                throw PostgresFixtureError("pg_ctl start: \(output) \((try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? "")")
            }
        }

        /// `pg_ctl stop` in a mode: fast (sessions ended, as a restart by an operator) or immediate (as a crash).
        public func stop(mode: String = "fast") throws {
            let (status, output) = run(prefix + [bin + "/pg_ctl", "-D", directory + "/data", "-m", mode, "-w", "stop"])
            guard status == 0 else { throw PostgresFixtureError("pg_ctl stop: \(output)") }
        }

        public func url(database: String) -> String { "postgres://postgres@/\(database)?host=\(directory)" }

        public func psql(_ sql: String, database: String = "postgres") throws -> [String] {
            let (status, output) = run([bin + "/psql", "-v", "ON_ERROR_STOP=1", "-At", "-h", directory, "-U", "postgres", "-d", database, "-c", sql])
            guard status == 0 else { throw PostgresFixtureError("psql \(sql): \(output)") }
            return output.split(separator: "\n").map(String.init)
        }

        /// Stops the cluster and deletes its files.
        public func destroy() {
            _ = run(["/bin/sh", "-c", (prefix.map { "'\($0)'" }.joined(separator: " ")) + " '\(bin)/pg_ctl' -D '\(directory)/data' -m immediate stop >/dev/null 2>&1; rm -rf '\(directory)'"])
        }
    }

    /// Run a program to its end; its status and what it printed.
    static func run(_ arguments: [String]) -> (Int32, String) {
        let r = runToEnd(arguments)
        return (r.status, r.output)
    }
}
