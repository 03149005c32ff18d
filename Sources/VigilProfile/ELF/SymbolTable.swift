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

    /// Symbols as a file lists them, in any order and with aliases, gathered into
    /// flat arrays (no allocation per symbol) and then sorted into a table.
    struct Builder {
        private var addresses: [UInt64] = []
        private var sizes: [UInt64] = []
        /// Orders aliases at one address: lower wins (global names before weak and local ones).
        private var ranks: [Int32] = []
        private var nameStarts: [UInt32] = []
        private var nameLengths: [UInt32] = []
        private var blob: [UInt8] = []

        init(reservingCapacity count: Int = 0) {
            addresses.reserveCapacity(count)
            sizes.reserveCapacity(count)
            ranks.reserveCapacity(count)
            nameStarts.reserveCapacity(count)
            nameLengths.reserveCapacity(count)
        }

        var count: Int { addresses.count }

        mutating func add<Name: Collection<UInt8>>(address: UInt64, size: UInt64, rank: Int, name: Name) {
            addresses.append(address)
            sizes.append(size)
            ranks.append(Int32(clamping: rank))
            nameStarts.append(UInt32(blob.count))
            nameLengths.append(UInt32(name.count))
            blob.append(contentsOf: name)
        }

        /// At one address, the better name first: lower rank, a size over none, fewer
        /// leading underscores (`malloc` over `__libc_malloc`), shorter, then by bytes.
        func isPreferred(_ a: Int, _ b: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
            if ranks[a] != ranks[b] { return ranks[a] < ranks[b] }
            if (sizes[a] == 0) != (sizes[b] == 0) { return sizes[a] != 0 }
            let na = UnsafeRawBufferPointer(rebasing: bytes[Int(nameStarts[a])..<Int(nameStarts[a] + nameLengths[a])])
            let nb = UnsafeRawBufferPointer(rebasing: bytes[Int(nameStarts[b])..<Int(nameStarts[b] + nameLengths[b])])
            let ua = na.prefix { $0 == UInt8(ascii: "_") }.count, ub = nb.prefix { $0 == UInt8(ascii: "_") }.count
            if ua != ub { return ua < ub }
            if na.count != nb.count { return na.count < nb.count }
            return na.lexicographicallyPrecedes(nb)
        }

        /// The sorted table: one entry per address, named by its preferred alias.
        func build() -> SymbolTable {
            var table = SymbolTable()
            blob.withUnsafeBytes { bytes in
                // Sort 4-byte indexes, not the symbols: 120,000 kallsyms lines sort at the end of a capture.
                var order = [UInt32](0..<UInt32(count))
                order.sort { a, b in
                    let (x, y) = (Int(a), Int(b))
                    return addresses[x] != addresses[y] ? addresses[x] < addresses[y] : isPreferred(x, y, in: bytes)
                }
                table.starts.reserveCapacity(order.count)
                table.ends.reserveCapacity(order.count)
                table.nameOffsets.reserveCapacity(order.count)
                var previous: UInt64?
                for index in order {
                    let i = Int(index)
                    guard addresses[i] != previous else { continue }
                    previous = addresses[i]
                    table.starts.append(addresses[i])
                    table.ends.append(addresses[i] &+ sizes[i])
                    table.nameOffsets.append(UInt32(table.names.count))
                    table.names.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[Int(nameStarts[i])..<Int(nameStarts[i] + nameLengths[i])]))
                    table.names.append(0)
                }
            }
            // A size-less symbol runs to the next symbol's start.
            for i in table.starts.indices where table.ends[i] == table.starts[i] {
                table.ends[i] = i + 1 < table.starts.count ? table.starts[i + 1] : table.starts[i] &+ 1
            }
            return table
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

    /// A table of these entries (functions a profile's frames are in).
    init<Entries: Sequence<Entry>>(entries: Entries) {
        var builder = Builder()
        for e in entries { builder.add(address: e.address, size: e.size, rank: 0, name: e.name.utf8) }
        self = builder.build()
    }

    /// Bytes held, for accounting caches.
    var byteCount: Int { starts.count * 20 + names.count }
}
