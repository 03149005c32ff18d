/// The profile as writers other than pprof see it: stacks of functions, root
/// first, merged when their names are equal (two addresses in one function, or
/// two processes with the same stack, are one line in a flame graph).
public struct NamedStacks: Sendable {
    /// A function as writers print it: its name and the binary it lives in.
    public struct Function: Hashable, Sendable {
        public let name: String
        public let file: String
    }

    public struct Stack: Sendable {
        /// Indexes into `functions`, root first.
        public let path: [Int]
        public let value: UInt64
    }

    public let functions: [Function]
    /// Sorted by path (names), so every writer's output is deterministic.
    public let stacks: [Stack]
    public let kind: SampleKind
    public var total: UInt64 { stacks.reduce(0) { $0 + $1.value } }

    /// - Parameter processRoot: put the thread name (comm) under every stack as its root,
    ///   as perf's flame graphs do for whole-system profiles.
    public init(_ symbolized: SymbolizedProfile, kind: SampleKind = .cpu, processRoot: Bool = true) {
        var functionIndex: [Function: Int] = [:]
        var functions: [Function] = []
        func intern(_ f: Function) -> Int {
            if let i = functionIndex[f] { return i }
            functions.append(f)
            functionIndex[f] = functions.count - 1
            return functions.count - 1
        }
        let profile = symbolized.profile
        // Frame index → function index, computed once per distinct frame.
        let frameFunction = symbolized.names.map { intern(Function(name: $0.function, file: $0.file)) }
        var merged: [[Int]: UInt64] = [:]
        for (key, values) in profile.samples {
            let value = values.value(kind)
            guard value > 0 else { continue }
            var path: [Int] = []
            if processRoot { path.append(intern(Function(name: profile.comms[Int(key.comm)], file: ""))) }
            for frame in profile.traces[Int(key.trace)].reversed() { path.append(frameFunction[Int(frame)]) }
            merged[path, default: 0] += value
        }
        let names = functions.map(\.name)
        self.functions = functions
        self.stacks = merged.map { Stack(path: $0.key, value: $0.value) }
            .sorted { $0.path.lazy.map { names[$0] }.lexicographicallyPrecedes($1.path.lazy.map { names[$0] }) }
        self.kind = kind
    }
}
