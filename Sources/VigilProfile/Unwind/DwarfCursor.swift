/// Reads the encodings of DWARF call frame information: LEB128 numbers, fixed-size
/// integers and .eh_frame's encoded pointers (DW_EH_PE_*). Reads past the end give
/// nil, never a crash: the bytes come from arbitrary binaries.
struct DwarfCursor {
    let bytes: UnsafeRawBufferPointer
    /// The virtual address of bytes[0], for pc-relative pointers.
    let baseAddress: UInt64
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, baseAddress: UInt64, offset: Int = 0) {
        self.bytes = bytes
        self.baseAddress = baseAddress
        self.offset = offset
    }

    var atEnd: Bool { offset >= bytes.count }

    mutating func u8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func fixed<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { return nil }
        defer { offset += size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    mutating func uleb() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let b = u8() {
            if shift < 64 { result |= UInt64(b & 0x7f) << shift }
            shift += 7
            if b & 0x80 == 0 { return result }
        }
        return nil
    }

    mutating func sleb() -> Int64? {
        var result: Int64 = 0
        var shift: Int64 = 0
        while let b = u8() {
            if shift < 64 { result |= Int64(b & 0x7f) << shift }
            shift += 7
            if b & 0x80 == 0 {
                if shift < 64 && b & 0x40 != 0 { result |= -(Int64(1) << shift) }
                return result
            }
        }
        return nil
    }

    mutating func cString() -> String? {
        guard let end = bytes[offset...].firstIndex(of: 0) else { return nil }
        defer { offset = end + 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, offset + n <= bytes.count else { return false }
        offset += n
        return true
    }

    /// A pointer in DW_EH_PE encoding `encoding` (low nibble: format; high: application).
    mutating func pointer(_ encoding: UInt8) -> UInt64? {
        if encoding == 0xff { return 0 }  // DW_EH_PE_omit
        let position = baseAddress &+ UInt64(offset)
        let value: UInt64?
        switch encoding & 0x0f {
        case 0x00: value = fixed(UInt64.self)                         // absptr
        case 0x01: value = uleb()                                     // uleb128
        case 0x02: value = fixed(UInt16.self).map(UInt64.init)        // udata2
        case 0x03: value = fixed(UInt32.self).map(UInt64.init)        // udata4
        case 0x04: value = fixed(UInt64.self)                         // udata8
        case 0x09: value = sleb().map { UInt64(bitPattern: $0) }      // sleb128
        case 0x0a: value = fixed(Int16.self).map { UInt64(bitPattern: Int64($0)) }
        case 0x0b: value = fixed(Int32.self).map { UInt64(bitPattern: Int64($0)) }
        case 0x0c: value = fixed(Int64.self).map { UInt64(bitPattern: $0) }
        default: return nil
        }
        guard let value else { return nil }
        switch encoding & 0x70 {
        case 0x00: return value                     // absolute
        case 0x10: return position &+ value         // pcrel
        default: return value                       // datarel/textrel/funcrel: not used on x86-64 eh_frame FDEs
        }
    }
}
