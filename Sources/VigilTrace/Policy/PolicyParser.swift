import VigilYAML
import Yams

/// Reads a policy from YAML text and checks it against `EventSchema`. The first problem
/// found is thrown; nothing is half-applied.
struct PolicyParser {
    let file: String

    static let topKeys = ["sources", "filters", "rules"]
    static let syscallKeys = ["names", "string_size", "buffer_size", "durations"]
    static let filterKeys = ["pids", "follow", "cgroup", "comm", "uid", "exe"]

    func parse(_ text: String) throws(PolicyError) -> Policy {
        let root = try compose(text)
        let top = try entries(root, allowed: Self.topKeys, in: "the policy")
        var sources = try top["sources"].map { e throws(PolicyError) in try parseSources(e) } ?? .default
        let filters = try top["filters"].map { e throws(PolicyError) in try parseFilters(e) } ?? PolicyFilters()
        var rules: [Rule] = []
        var killRules: [KillSpec] = []
        var denyRules: [DenyRule] = []
        if let e = top["rules"] {
            (rules, killRules, denyRules) = try parseRules(e, sources: sources)
        }
        // A rule that looks at durations needs them measured.
        if rules.contains(where: { $0.event == .syscall && $0.uses("duration_ns") }) { sources.syscalls?.durations = true }
        return Policy(sources: sources, filters: filters, rules: rules, killRules: killRules, denyRules: denyRules)
    }

    // MARK: sources

    func parseSources(_ entry: Entry) throws(PolicyError) -> PolicySources {
        let names = EventSource.allCases.map(\.rawValue)
        let fields = try entries(entry, allowed: names, in: "sources")
        var result = PolicySources(events: [])
        for e in fields.all {
            let source = EventSource(rawValue: e.key)!
            if source == .syscalls {
                result.syscalls = try parseSyscalls(e)
                result.events.insert(.syscall)
                continue
            }
            let kinds = EventKind.allCases.filter { $0.source == source }.map(\.rawValue)
            let what = "sources.\(e.key)"
            if items(e.value).isEmpty {
                throw error("\(what) lists no events; expected some of: \(kinds.joined(separator: ", "))", at: mark(of: e))
            }
            for (name, node) in try strings(e.value, for: what) {
                guard let kind = EventKind(rawValue: name) else {
                    // Suggest among every kind: 'opn' under process is still most likely 'open'.
                    let all = EventKind.allCases.map(\.rawValue)
                    let hint = Suggestion.didYouMean(name, among: all)
                        ?? "; expected some of: \(kinds.joined(separator: ", "))"
                    throw error("unknown event '\(name)' in \(what)" + hint, at: node)
                }
                guard kind.source == source else {
                    throw error("'\(name)' is not a \(source.rawValue) event; list it under sources.\(kind.source.rawValue)", at: node)
                }
                result.events.insert(kind)
            }
        }
        if result.events.isEmpty { throw error("sources enables no events", at: mark(of: entry)) }
        return result
    }

    func parseSyscalls(_ entry: Entry) throws(PolicyError) -> SyscallCapture {
        let fields = try entries(entry, allowed: Self.syscallKeys, in: "sources.syscalls")
        guard let namesEntry = fields["names"] else {
            throw error("sources.syscalls needs 'names', the syscalls to trace", at: entry.keyNode)
        }
        var capture = SyscallCapture(names: [])
        for (name, node) in try strings(namesEntry.value, for: "sources.syscalls.names") {
            guard Self.isSyscallName(name) else {
                throw error("'\(name)' is not a syscall name (lowercase letters, digits and _)", at: node)
            }
            capture.names.append(name)
        }
        if let e = fields["string_size"] {
            capture.stringSize = Int(try integer(e.value, for: "string_size", in: 1...4096))
        }
        if let e = fields["buffer_size"] {
            capture.bufferSize = Int(try integer(e.value, for: "buffer_size", in: 0...4096))
        }
        if let e = fields["durations"] {
            capture.durations = try boolean(e.value, for: "durations")
        }
        return capture
    }

    static func isSyscallName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
    }

    // MARK: filters

    /// The kernel keeps 15 bytes of a task's name (TASK_COMM_LEN 16 with the NUL).
    static let commLimit = 15

    func parseFilters(_ entry: Entry) throws(PolicyError) -> PolicyFilters {
        let fields = try entries(entry, allowed: Self.filterKeys, in: "filters")
        var filters = PolicyFilters()
        for e in fields.all {
            switch e.key {
            case "pids":
                let list = items(e.value)
                if list.isEmpty { throw error("pids needs at least one value", at: mark(of: e)) }
                for item in list { filters.pids.append(Int32(try integer(item, for: "pid", in: 1...Int64(Int32.max)))) }
            case "follow":
                filters.follow = try boolean(e.value, for: "follow")
            case "cgroup":
                filters.cgroup = try string(e.value, for: "cgroup")
            case "comm":
                let comm = try string(e.value, for: "comm")
                try checkComm(comm, at: e.value)
                filters.comm = comm
            case "uid":
                filters.uid = UInt32(try integer(e.value, for: "uid", in: 0...Int64(UInt32.max - 1)))
            case "exe":
                let exe = try string(e.value, for: "exe")
                guard exe.hasPrefix("/") else { throw error("exe must be an absolute path like /usr/bin/curl, found \(quoted(exe))", at: e.value) }
                filters.exe = exe
            default:
                break  // entries() refused every other key
            }
        }
        return filters
    }

    /// A longer name can never match: the kernel truncates names to 15 bytes.
    func checkComm(_ comm: String, at node: Node) throws(PolicyError) {
        let n = comm.utf8.count
        if n == 0 || n > Self.commLimit {
            throw error("comm must be 1 to 15 bytes (the kernel keeps 15); '\(comm)' is \(n)", at: node)
        }
    }
}
