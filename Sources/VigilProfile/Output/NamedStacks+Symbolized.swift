@_exported import VigilProfileFormats

extension NamedStacks {
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
        self.init(functions: functions, stacks: Self.sorted(merged, names: functions.map(\.name)), kind: kind)
    }
}
