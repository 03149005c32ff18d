import VigilSystem

/// Symbols that a JIT compiler (V8/Node with --perf-basic-prof, the JVM with
/// perf-map-agent, .NET, LuaJIT...) writes to /tmp/perf-PID.map: one
/// "START SIZE name" line per compiled function, START and SIZE in hex.
public struct PerfMap: Sendable {
    public let symbols: SymbolTable

    public static func path(pid: Int32) -> String { "/tmp/perf-\(pid).map" }

    /// The map of a process, or nil when it wrote none.
    public static func read(pid: Int32) -> PerfMap? {
        guard let bytes = try? ProcFileReader.read(path(pid: pid)) else { return nil }
        return parse(bytes)
    }

    public static func parse(_ bytes: [UInt8]) -> PerfMap {
        var symbols = SymbolTable.Builder()
        var order = 0
        for line in ByteLines(bytes) {
            // The name is the rest of the line and may hold spaces ("LazyCompile:*foo a.js:3").
            let f = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
            guard f.count == 3, let start = hex(f[0]), let size = hex(f[1]) else { continue }
            // Code can be recompiled at a reused address: the later line describes what is there now.
            order -= 1
            symbols.add(address: start, size: max(size, 1), rank: order, name: f[2])
        }
        return PerfMap(symbols: symbols.build())
    }

    private static func hex(_ field: ArraySlice<UInt8>) -> UInt64? {
        var digits = field
        if digits.starts(with: "0x".utf8) { digits = digits.dropFirst(2) }
        return UInt64(String(decoding: digits, as: UTF8.self), radix: 16)
    }

    public func lookup(_ address: UInt64) -> SymbolTable.Entry? { symbols.lookup(address) }
}
