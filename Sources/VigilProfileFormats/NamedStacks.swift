/// The profile as writers other than pprof see it: stacks of functions, root
/// first, merged when their names are equal (two addresses in one function, or
/// two processes with the same stack, are one line in a flame graph). Made by the
/// profiler from what it sampled, or by PprofReader from a stored pprof.
public struct NamedStacks: Sendable {
    /// A function as writers print it: its name and the binary it lives in.
    public struct Function: Hashable, Sendable {
        public let name: String
        public let file: String
        public init(name: String, file: String) {
            self.name = name
            self.file = file
        }
    }

    public struct Stack: Sendable {
        /// Indexes into `functions`, root first.
        public let path: [Int]
        public let value: UInt64
        public init(path: [Int], value: UInt64) {
            self.path = path
            self.value = value
        }
    }

    public let functions: [Function]
    /// Sorted by path (names), so every writer's output is deterministic.
    public let stacks: [Stack]
    public let kind: SampleKind
    public var total: UInt64 { stacks.reduce(0) { $0 + $1.value } }

    public init(functions: [Function], stacks: [Stack], kind: SampleKind) {
        self.functions = functions
        self.stacks = stacks
        self.kind = kind
    }

    /// Merged stacks in the writers' order: by the names along their paths.
    public static func sorted(_ merged: [[Int]: UInt64], names: [String]) -> [Stack] {
        merged.map { Stack(path: $0.key, value: $0.value) }
            .sorted { $0.path.lazy.map { names[$0] }.lexicographicallyPrecedes($1.path.lazy.map { names[$0] }) }
    }
}
