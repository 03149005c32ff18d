import Glibc

/// Function symbols of one file sorted by address, for binary search. Names live
/// in one byte blob rather than one String each (libswiftCore alone has tens of
/// thousands of symbols), or stay in the file: a compiler's string table holds
/// 26 MB of names, of which a profile needs a few hundred, read when looked up.
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
    /// Where each name is: an offset into `names`, or (`external` bit set) a file
    /// offset in one of `files` (its index in the bits above `fileOffsetBits`).
    private var nameRefs: [UInt64] = []
    private var names: [UInt8] = []
    private var files: NameFiles?

    static let external: UInt64 = 1 << 63
    static let fileOffsetBits: UInt64 = 48

    public var count: Int { starts.count }

    /// Open files that names are read from, closed with the last table using them.
    final class NameFiles: @unchecked Sendable {  // only a builder adds to it; pread is thread-safe
        fileprivate(set) var descriptors: [Int32] = []
        deinit { for fd in descriptors where fd >= 0 { close(fd) } }

        /// The NUL-terminated string at `offset` of file `index`.
        func string(file index: Int, at offset: UInt64) -> String {
            guard index < descriptors.count else { return "" }
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 256)
            var position = off_t(offset)
            while out.count < 1 << 16 {
                let n = chunk.withUnsafeMutableBytes { pread(descriptors[index], $0.baseAddress, $0.count, position) }
                guard n > 0 else { break }
                if let end = chunk[0..<n].firstIndex(of: 0) {
                    out += chunk[0..<end]
                    break
                }
                out += chunk[0..<n]
                position += off_t(n)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Symbols as a file lists them, in any order and with aliases, gathered into
    /// flat arrays (no allocation per symbol) and then sorted into a table.
    struct Builder {
        private var addresses: [UInt64] = []
        private var sizes: [UInt64] = []
        /// Orders aliases at one address: lower wins (global names before weak and local ones).
        private var ranks: [Int32] = []
        /// Offset into `blob`, or an external reference (see `SymbolTable.nameRefs`).
        private var nameRefs: [UInt64] = []
        private var nameLengths: [UInt32] = []
        /// External names' bytes while the builder lives (the file's mapped string table).
        private var namePointers: [UnsafeRawPointer?] = []
        private var blob: [UInt8] = []
        /// Descriptors external names refer to (closed with the last table using them).
        private var files: NameFiles?

        init(reservingCapacity count: Int = 0) {
            addresses.reserveCapacity(count)
            sizes.reserveCapacity(count)
            ranks.reserveCapacity(count)
            nameRefs.reserveCapacity(count)
            nameLengths.reserveCapacity(count)
            namePointers.reserveCapacity(count)
        }

        var count: Int { addresses.count }

        /// A symbol whose name is copied into the table.
        mutating func add<Name: Collection<UInt8>>(address: UInt64, size: UInt64, rank: Int, name: Name) {
            append(address, size, rank, ref: UInt64(blob.count), length: name.count, pointer: nil)
            blob.append(contentsOf: name)
        }

        /// Makes `descriptor` (taken over) a source of external names; returns its index.
        mutating func addNameFile(_ descriptor: Int32) -> Int {
            let f = files ?? NameFiles()
            files = f
            f.descriptors.append(descriptor)
            return f.descriptors.count - 1
        }

        /// A symbol whose name stays in file `file` at `fileOffset`; `name` (its
        /// NUL-terminated bytes, read only to compare aliases) must stay valid until `build`.
        mutating func add(address: UInt64, size: UInt64, rank: Int, file: Int, fileOffset: UInt64, name: UnsafeRawPointer) {
            append(address, size, rank, ref: SymbolTable.external | UInt64(file) << SymbolTable.fileOffsetBits | fileOffset,
                   length: Int(Self.unknownLength), pointer: name)
        }

        private static let unknownLength = UInt32.max

        private mutating func append(_ address: UInt64, _ size: UInt64, _ rank: Int, ref: UInt64, length: Int, pointer: UnsafeRawPointer?) {
            addresses.append(address)
            sizes.append(size)
            ranks.append(Int32(clamping: rank))
            nameRefs.append(ref)
            nameLengths.append(UInt32(length))
            namePointers.append(pointer)
        }

        private func name(_ i: Int, _ blob: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            if let p = namePointers[i] {
                let length = nameLengths[i] == Self.unknownLength ? strlen(p.assumingMemoryBound(to: CChar.self)) : Int(nameLengths[i])
                return UnsafeRawBufferPointer(start: p, count: length)
            }
            let start = Int(nameRefs[i])
            return UnsafeRawBufferPointer(rebasing: blob[start..<(start + Int(nameLengths[i]))])
        }

        /// At one address, the better name first: lower rank, a size over none, fewer
        /// leading underscores (`malloc` over `__libc_malloc`), shorter, then by bytes.
        private func isPreferred(_ a: Int, _ b: Int, in blob: UnsafeRawBufferPointer) -> Bool {
            if ranks[a] != ranks[b] { return ranks[a] < ranks[b] }
            if (sizes[a] == 0) != (sizes[b] == 0) { return sizes[a] != 0 }
            let na = name(a, blob), nb = name(b, blob)
            let ua = na.prefix { $0 == UInt8(ascii: "_") }.count, ub = nb.prefix { $0 == UInt8(ascii: "_") }.count
            if ua != ub { return ua < ub }
            if na.count != nb.count { return na.count < nb.count }
            return na.lexicographicallyPrecedes(nb)
        }

        /// The sorted table: one entry per address, named by its preferred alias.
        consuming func build() -> SymbolTable {
            var table = SymbolTable()
            table.files = files
            blob.withUnsafeBytes { bytes in
                // Sort 4-byte indexes, not the symbols: 120,000 kallsyms lines sort at the end of a capture.
                var order = [UInt32](0..<UInt32(count))
                order.sort { a, b in
                    let (x, y) = (Int(a), Int(b))
                    return addresses[x] != addresses[y] ? addresses[x] < addresses[y] : isPreferred(x, y, in: bytes)
                }
                table.starts.reserveCapacity(order.count)
                table.ends.reserveCapacity(order.count)
                table.nameRefs.reserveCapacity(order.count)
                var previous: UInt64?
                for index in order {
                    let i = Int(index)
                    guard addresses[i] != previous else { continue }
                    previous = addresses[i]
                    table.starts.append(addresses[i])
                    table.ends.append(addresses[i] &+ sizes[i])
                    if nameRefs[i] & SymbolTable.external != 0 {
                        table.nameRefs.append(nameRefs[i])
                    } else {
                        table.nameRefs.append(UInt64(table.names.count))
                        table.names.append(contentsOf: name(i, bytes))
                        table.names.append(0)
                    }
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
        Entry(address: starts[i], size: ends[i] - starts[i], name: name(at: i))
    }

    private func name(at i: Int) -> String {
        let ref = nameRefs[i]
        if ref & Self.external != 0 {
            let file = Int((ref & ~Self.external) >> Self.fileOffsetBits)
            return files?.string(file: file, at: ref & (1 << Self.fileOffsetBits - 1)) ?? ""
        }
        let from = Int(ref)
        let to = names[from...].firstIndex(of: 0) ?? names.endIndex
        return String(decoding: names[from..<to], as: UTF8.self)
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
    var byteCount: Int { starts.count * 24 + names.count }
}
