/// Function symbols of one file sorted by address, for binary search. Names live
/// in one byte blob rather than one String each: libswiftCore alone has tens of
/// thousands of symbols, and a whole-system profile loads every library once.
public struct SymbolTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public let address: UInt64
        /// Zero when the symbol table gave no size (hand-written assembly); such a
        /// symbol then reaches up to the next one.
        public let size: UInt64
        public let name: String
    }

    private var starts: [UInt64] = []
    private var ends: [UInt64] = []
    private var nameOffsets: [UInt32] = []
    private var names: [UInt8] = []

    public var count: Int { starts.count }

    /// A symbol as a file's symbol table lists it: `rank` orders aliases at one
    /// address (lower wins: global names before weak and local ones).
    struct Candidate {
        var address: UInt64
        var size: UInt64
        var rank: Int
        var name: ArraySlice<UInt8>

        /// Address order; at one address, the better name first: lower rank, a size
        /// over none, fewer leading underscores (`malloc` over `__libc_malloc`), shorter.
        static func isPreferred(_ a: Candidate, _ b: Candidate) -> Bool {
            if a.address != b.address { return a.address < b.address }
            if a.rank != b.rank { return a.rank < b.rank }
            if (a.size == 0) != (b.size == 0) { return a.size != 0 }
            let ua = a.name.prefix { $0 == UInt8(ascii: "_") }.count, ub = b.name.prefix { $0 == UInt8(ascii: "_") }.count
            if ua != ub { return ua < ub }
            if a.name.count != b.name.count { return a.name.count < b.name.count }
            return a.name.lexicographicallyPrecedes(b.name)
        }
    }

    init(_ candidates: [Candidate]) {
        // Sort plain (address, index) pairs, not the candidates: moving a candidate moves
        // its name slice, a retain and a release each time, and kallsyms alone has some
        // 100,000 text symbols to sort at the start of every capture.
        var order = candidates.indices.map { (address: candidates[$0].address, index: UInt32($0)) }
        order.sort { a, b in
            a.address != b.address ? a.address < b.address : Candidate.isPreferred(candidates[Int(a.index)], candidates[Int(b.index)])
        }
        starts.reserveCapacity(order.count)
        ends.reserveCapacity(order.count)
        nameOffsets.reserveCapacity(order.count)
        var previous: UInt64?
        for (address, index) in order where address != previous {
            previous = address
            let c = candidates[Int(index)]
            starts.append(c.address)
            ends.append(c.address &+ c.size)
            nameOffsets.append(UInt32(names.count))
            names.append(contentsOf: c.name)
            names.append(0)
        }
        // A size-less symbol runs to the next symbol's start.
        for i in starts.indices where ends[i] == starts[i] {
            ends[i] = i + 1 < starts.count ? starts[i + 1] : starts[i] &+ 1
        }
    }

    public init() {}

    /// The symbol whose range holds `address` (an ELF virtual address), or nil.
    public func lookup(_ address: UInt64) -> Entry? {
        var lo = 0, hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] <= address { lo = mid + 1 } else { hi = mid }
        }
        let i = lo - 1
        guard i >= 0, address < ends[i] else { return nil }
        return entry(at: i)
    }

    public func entry(at i: Int) -> Entry {
        let from = Int(nameOffsets[i])
        let to = names[from...].firstIndex(of: 0) ?? names.endIndex
        return Entry(address: starts[i], size: ends[i] - starts[i], name: String(decoding: names[from..<to], as: UTF8.self))
    }

    /// The entry called exactly `name` (linear: for tests and one-off look-ups).
    public func first(named name: String) -> Entry? {
        starts.indices.lazy.map { entry(at: $0) }.first { $0.name == name }
    }
}
