/// Reading a structure's formatted area and its strings (DSP0134 §6.1.2-6.1.3):
/// numbers are little-endian at offsets from the structure's start; a string field
/// holds a 1-based index into the strings after the formatted area (0: none).
extension SMBIOS.Structure {
    /// The byte at `offset`, or nil past the formatted area (an older SMBIOS version
    /// whose structure is shorter than the field's position).
    public func byte(_ offset: Int) -> UInt8? {
        offset < headerSize ? bytes[bytes.startIndex + offset] : nil
    }

    public func word(_ offset: Int) -> UInt16? {
        guard offset + 2 <= headerSize else { return nil }
        return UInt16(bytes[bytes.startIndex + offset]) | UInt16(bytes[bytes.startIndex + offset + 1]) << 8
    }

    public func dword(_ offset: Int) -> UInt32? {
        guard let low = word(offset), let high = word(offset + 2) else { return nil }
        return UInt32(low) | UInt32(high) << 16
    }

    public func qword(_ offset: Int) -> UInt64? {
        guard let low = dword(offset), let high = dword(offset + 4) else { return nil }
        return UInt64(low) | UInt64(high) << 32
    }

    /// Every string of the string set, in order (index 1 first).
    public var strings: [String] {
        let area = bytes.dropFirst(headerSize)
        return area.split(separator: 0, omittingEmptySubsequences: false)
            .prefix { !$0.isEmpty }
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// The string a string field at `offset` names; "" for index 0 or a missing string.
    public func string(at offset: Int) -> String {
        guard let index = byte(offset), index > 0 else { return "" }
        let all = strings
        return Int(index) <= all.count ? all[Int(index) - 1] : ""
    }

    /// The handle as dmidecode prints it ("0x0100").
    public var handleText: String { Self.hex(handle) }

    /// A handle-valued field as dmidecode prints it ("0x1000").
    public static func hex(_ value: UInt16) -> String { hex(UInt64(value), digits: 4) }

    /// `value` in uppercase hex after "0x", zero-padded to `digits` (addresses, syndromes).
    public static func hex(_ value: UInt64, digits: Int) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, digits - hex.count)) + hex
    }
}
