import Glibc
import Synchronization
import VigilSQL
import VigilSystem
import VigilTables
import Yams

/// One query to profile, named as the agent will name it.
public struct ProfileTarget: Sendable, Equatable {
    public var name: String
    public var query: String
}

/// What `vigil profile-queries` will run: the queries of a config or pack file, and those
/// left out on this host.
public struct ProfilePlan: Sendable {
    public var file: String
    public var targets: [ProfileTarget] = []
    public var skipped: [SkippedQuery] = []
    public var warnings: [ConfigWarning] = []
}

/// The cost of one query over its rounds, or the error that stopped it.
public struct QueryProfile: Sendable {
    public var target: ProfileTarget
    /// Each round that completed, in order.
    public var runs: [ProfileSample] = []
    /// SQLite's message when a round failed; the query's later rounds are not run, since
    /// SQL that fails once fails the same way again.
    public var error: String?
    /// The query reads an event table. Outside the agent those hold no events, so the
    /// profile is of the query itself; in the agent its cost grows with the events buffered.
    public var readsEvents = false

    /// The mean of the rounds; nil for a query that failed.
    public var average: ProfileSample? { error == nil ? ProfileSample.average(runs) : nil }
}

/// Runs each query of a schedule or pack on this machine and measures it as the agent
/// will: on the calling thread, with `QueryExecutor`'s per-thread accounting.
public enum QueryProfiler {
    /// The queries of the file at `path`: a Vigil YAML or osquery JSON config (its schedule
    /// and packs, pack files included), or a bare osquery pack file (top-level `queries`).
    public static func plan(configPath path: String) throws(ConfigError) -> ProfilePlan {
        let text: String
        do {
            text = try FileSystem.readText(path)
        } catch {
            throw ConfigError(file: path, line: 1, column: 1, reason: "cannot read the config: \(error)")
        }
        var plan = ProfilePlan(file: path)
        let directory = ConfigParser.directory(of: path)
        var queries: [(name: String, query: ScheduledQuery, packPlatform: String?)] = []
        if let packName = barePackName(text, path: path) {
            // A pack file on its own: loaded as the one pack of a config, so its errors
            // point into it with line and column; the file is the pack, so its queries
            // keep their own names.
            // The pack path is relative to `directory`, the file's own.
            let file = path.split(separator: "/").last.map(String.init) ?? path
            let wrapper = "{\"packs\": {\(JSON.string(packName)): \(JSON.string(file))}}"
            let loaded = try ConfigLoader.parse(wrapper, file: path, baseDirectory: directory)
            for pack in loaded.config.packs { queries += pack.queries.map { ($0.name, $0, pack.platform) } }
            plan.warnings = loaded.warnings
        } else {
            let loaded = try ConfigLoader.parse(text, file: path, baseDirectory: directory)
            queries = loaded.config.schedule.map { ($0.name, $0, nil) }
            for pack in loaded.config.packs {
                queries += pack.queries.map { (ScheduleEntry.packQueryName(pack: pack.name, query: $0.name), $0, pack.platform) }
            }
            plan.warnings = loaded.warnings
        }
        if queries.isEmpty {
            throw ConfigError(file: path, line: 1, column: 1, reason: "no queries to profile: expected a schedule, packs with queries, or a pack file with a top-level \"queries\" object")
        }
        // Platform is honoured (a darwin-only query names tables Linux lacks); shard is
        // not: a preview is for the pack's cost on any host it may reach.
        for (name, q, packPlatform) in queries {
            if let platform = [packPlatform, q.platform].compactMap({ $0 }).first(where: { !Schedule.runsOnLinux($0) }) {
                plan.skipped.append(SkippedQuery(name: name, reason: "platform '\(platform)' does not include Linux"))
            } else {
                plan.targets.append(ProfileTarget(name: name, query: q.query))
            }
        }
        return plan
    }

    /// The pack's name (the file's, without extension) when `text` is a bare osquery pack:
    /// a mapping with `queries` and neither `schedule` nor `packs`. Text that does not
    /// parse is left to the config parser, which says where and why.
    static func barePackName(_ text: String, path: String) -> String? {
        guard case .mapping(let root)? = try? Yams.compose(yaml: ConfigParser.strippingJSONComments(text)) else { return nil }
        let keys = Set(root.keys.compactMap(\.string))
        guard keys.contains("queries"), keys.isDisjoint(with: ["schedule", "packs"]) else { return nil }
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.split(separator: ".", maxSplits: 1).first.map(String.init) ?? base
    }

    /// Profile every query of `plan` for `rounds` rounds each, one after another, against
    /// a database with every table `vigil query` has and the agent's event tables (empty:
    /// no tracer runs here); `progress` hears of each query before it runs.
    public static func run(_ plan: ProfilePlan, rounds: Int, progress: (Int, ProfileTarget) -> Void = { _, _ in }) throws(SQLError) -> [QueryProfile] {
        let events = EventStores(capacity: 1)
        let database = try Database(tables: TableRegistry.all(adding: StandaloneOsqueryTables.all() + events.tables))
        return plan.targets.enumerated().map { index, target in
            progress(index, target)
            return profile(target, rounds: rounds, on: database, events: events)
        }
    }

    /// Run one query `rounds` times; a failing round ends it with the error. Each round
    /// is a scheduled run for `events`, which tell whether the query read an event table.
    public static func profile(_ target: ProfileTarget, rounds: Int, on database: Database, events: EventStores? = nil) -> QueryProfile {
        var result = QueryProfile(target: target)
        for _ in 0..<max(1, rounds) {
            let watch = DescriptorWatch()
            events?.begin(query: target.name)
            defer { events?.end(query: target.name, succeeded: true) }
            do {
                let run = try QueryExecutor.run(target.query, on: database)
                if events?.scanned(by: target.name) == true { result.readsEvents = true }
                result.runs.append(sample(run.cost, fds: watch.stop()))
            } catch {
                _ = watch.stop()
                result.error = error.description
                break
            }
        }
        return result
    }

    static func sample(_ cost: QueryCost, fds: Int?) -> ProfileSample {
        ProfileSample(
            userSeconds: Double(cost.userNanoseconds) / 1e9, systemSeconds: Double(cost.systemNanoseconds) / 1e9,
            wallSeconds: Double(cost.wallNanoseconds) / 1e9, memoryBytes: cost.memoryBytes.map(Double.init),
            fds: fds.map(Double.init), rows: Double(cost.rows))
    }
}

/// The most descriptors this process held at once while a query ran, above how many it
/// held before: a sampling thread counts /proc/self/fd every millisecond.
///
/// Why the peak and not the delta after the run: a query that hashes a thousand files
/// opens and closes each in turn and ends where it began, so a delta says 0 while the
/// query did hold descriptors; and what runs a host out of descriptors (RLIMIT_NOFILE) is
/// how many are open at once. The count after the run is folded in, so a descriptor a
/// query leaves open is always seen, even when the query ends before the first sample.
/// A descriptor opened and closed within one millisecond can be missed. profile.py read
/// the whole osqueryi process's count (4 for any query); this counts only what the query
/// added, though another thread opening descriptors at the same moment is counted too.
final class DescriptorWatch: @unchecked Sendable {
    // @unchecked: `directory` is used by the sampling thread only between pthread_create
    // and pthread_join, and by the caller only before and after; those two calls order it.
    private let directory: OpaquePointer?
    private let baseline: Int
    private let running = Atomic<Bool>(true)
    private let peak = Atomic<Int>(0)
    private var thread: pthread_t?

    static let interval = timespec(tv_sec: 0, tv_nsec: 1_000_000)

    init() {
        directory = opendir("/proc/self/fd")
        baseline = directory.map(Self.count) ?? 0
        peak.store(baseline, ordering: .relaxed)
        guard directory != nil else { return }
        var tid = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        if pthread_create(&tid, nil, { context in
            let watch = Unmanaged<DescriptorWatch>.fromOpaque(context!).takeRetainedValue()
            watch.sample()
            return nil
        }, context) == 0 {
            thread = tid
        } else {
            // No thread: the count after the run still gives the delta.
            Unmanaged<DescriptorWatch>.fromOpaque(context).release()
        }
    }

    private func sample() {
        var pause = Self.interval
        while running.load(ordering: .acquiring) {
            let n = Self.count(directory!)
            if n > peak.load(ordering: .relaxed) { peak.store(n, ordering: .relaxed) }
            nanosleep(&pause, nil)
        }
    }

    /// Stop sampling (call once); the peak above the baseline, or nil when /proc/self/fd is unreadable.
    func stop() -> Int? {
        running.store(false, ordering: .releasing)
        if let thread { pthread_join(thread, nil) }
        guard let directory else { return nil }
        let last = Self.count(directory)
        closedir(directory)
        return max(peak.load(ordering: .relaxed), last) - baseline
    }

    /// Entries of an open /proc/self/fd listing (its own descriptor included, in the
    /// baseline as in every sample). Descriptor names never start with ".".
    private static func count(_ directory: OpaquePointer) -> Int {
        rewinddir(directory)
        var n = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { n += 1 }
        }
        return n
    }
}

public enum ProfileReportFormat: String, CaseIterable, Sendable {
    case table, json
}

/// The profiles of a plan, as a table for people or JSON for machines. Values are the
/// mean over the rounds, as profile.py reports them; JSON keeps each round too.
public struct ProfileReport: Sendable {
    public var plan: ProfilePlan
    public var rounds: Int
    public var profiles: [QueryProfile]

    public init(plan: ProfilePlan, rounds: Int, profiles: [QueryProfile]) {
        self.plan = plan
        self.rounds = rounds
        self.profiles = profiles
    }

    public var failures: Int { profiles.count(where: { $0.error != nil }) }

    public func render(_ format: ProfileReportFormat) -> String {
        switch format {
        case .table: table()
        case .json: json()
        }
    }

    func table() -> String {
        let measures = ProfileMeasure.allCases
        let header = ["NAME", measures.map(\.letter).joined(separator: " "), "UTILIZATION", "CPU TIME", "MEMORY", "FDS", "DURATION", "ROWS"]
        var lines: [[String]] = []
        var errors: [String: String] = [:]
        for p in profiles {
            guard let s = p.average else {
                errors[p.target.name] = p.error ?? "no round completed"
                lines.append([p.target.name])
                continue
            }
            let levels = measures.map { s.level($0).map(String.init) ?? "-" }.joined(separator: " ")
            lines.append([
                p.target.name, levels, Self.fixed(s.utilization, 1) + "%", Self.seconds(s.cpuSeconds),
                s.memoryBytes.map(Self.bytes) ?? "-", s.fds.map(Self.count) ?? "-", Self.seconds(s.wallSeconds), Self.count(s.rows),
            ])
        }
        let widths = header.indices.map { i in ([header] + lines).map { $0.count > i ? $0[i].count : 0 }.max() ?? 0 }
        // Names and levels read left to right; numbers line up on the right.
        func layout(_ row: [String]) -> String {
            row.enumerated().map { i, cell in
                i < 2 ? cell.padded(to: widths[i]) : String(repeating: " ", count: max(0, widths[i] - cell.count)) + cell
            }.joined(separator: "  ")
        }
        var out = layout(header) + "\n"
        for row in lines {
            if let error = errors[row[0]] {
                out += row[0].padded(to: widths[0]) + "  error: " + error + "\n"
            } else {
                out += layout(row) + "\n"
            }
        }
        let averaged = rounds > 1 ? "; each the mean of \(rounds) rounds" : ""
        out += "\nlevels 0-3 as osquery's profile.py: U utilization, C cpu time, M memory, F fds, D duration\(averaged)\n"
        let eventQueries = profiles.filter(\.readsEvents).map(\.target.name)
        if !eventQueries.isEmpty {
            out += "read event tables, empty outside the agent (the cost there grows with the events buffered): \(eventQueries.joined(separator: ", "))\n"
        }
        for s in plan.skipped { out += "skipped \(s.name): \(s.reason)\n" }
        if failures > 0 { out += "\(failures) of \(profiles.count) queries failed\n" }
        return out
    }

    func json() -> String {
        func object(_ s: ProfileSample) -> String {
            var fields = [
                ("utilization", Self.number(s.utilization, 2)), ("cpu_time", Self.number(s.cpuSeconds, 6)),
                ("user_time", Self.number(s.userSeconds, 6)), ("system_time", Self.number(s.systemSeconds, 6)),
                ("memory", s.memoryBytes.map { Self.number($0, 0) } ?? "null"), ("fds", s.fds.map { Self.number($0, 2) } ?? "null"),
                ("duration", Self.number(s.wallSeconds, 6)), ("rows", Self.number(s.rows, 2)),
            ]
            fields.append(("levels", "{" + ProfileMeasure.allCases.map { m in
                JSON.string(m.rawValue) + ":" + (s.level(m).map(String.init) ?? "null")
            }.joined(separator: ",") + "}"))
            return fields.map { JSON.string($0.0) + ":" + $0.1 }.joined(separator: ",")
        }
        let queries = profiles.map { p in
            var fields = "\"name\":\(JSON.string(p.target.name)),\"query\":\(JSON.string(p.target.query))"
            if let error = p.error { fields += ",\"error\":\(JSON.string(error))" }
            if p.readsEvents { fields += ",\"event_tables\":true" }
            if let average = p.average { fields += "," + object(average) }
            fields += ",\"runs\":[" + p.runs.map { "{" + object($0) + "}" }.joined(separator: ",") + "]"
            return "{" + fields + "}"
        }
        let skipped = plan.skipped.map { "{\"name\":\(JSON.string($0.name)),\"reason\":\(JSON.string($0.reason))}" }
        return "{\"config\":\(JSON.string(plan.file)),\"rounds\":\(rounds),\"queries\":[\n"
            + queries.joined(separator: ",\n") + "\n],\"skipped\":[" + skipped.joined(separator: ",") + "]}\n"
    }

    /// `value` with `digits` decimals, trailing zeros dropped: a JSON number (no exponent,
    /// never NaN or infinity).
    static func number(_ value: Double, _ digits: Int) -> String {
        var text = fixed(value, digits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// `value` with exactly `digits` decimals (no Foundation for String(format:)).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "0" }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard digits > 0 else { return sign + String(scaled) }
        let fraction = String(scaled % scale)
        return sign + String(scaled / scale) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    static func seconds(_ s: Double) -> String {
        if s < 0.001 { return fixed(s * 1e6, 0) + " µs" }
        if s < 1 { return fixed(s * 1e3, 1) + " ms" }
        return fixed(s, 2) + " s"
    }

    static func bytes(_ b: Double) -> String {
        if b < 1024 { return fixed(b, 0) + " B" }
        if b < ProfileLevels.kbBytes { return fixed(b / 1024, 1) + " KiB" }
        return fixed(b / ProfileLevels.kbBytes, 1) + " MiB"
    }

    static func count(_ v: Double) -> String { v == v.rounded() ? fixed(v, 0) : fixed(v, 1) }
}
