import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// oem_strings, platform_info and memory_devices on a structure table the test
/// builds (the test VMs have no SMBIOS), compared with what `dmidecode --from-dump`
/// prints for the same bytes.
@Suite(.ownThread) struct SMBIOSTablesTests {
    static func structure(_ type: UInt8, handle: UInt16, formatted: [UInt8], strings: [String]) -> [UInt8] {
        var s: [UInt8] = [type, UInt8(4 + formatted.count), UInt8(handle & 0xff), UInt8(handle >> 8)] + formatted
        if strings.isEmpty { s += [0, 0] } else { for str in strings { s += Array(str.utf8) + [0] }; s += [0] }
        return s
    }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xffff)) + le16(UInt16(v >> 16)) }
    static func le64(_ v: UInt64) -> [UInt8] { le32(UInt32(v & 0xffff_ffff)) + le32(UInt32(v >> 32)) }

    /// BIOS (type 0, SMBIOS 2.4 length), OEM strings, a DDR4 module and an empty slot
    /// (type 17, SMBIOS 3.2 length), the memory array structures of
    /// SMBIOSMemoryArrayTests (types 16, 18, 19, 20), end of table.
    static let table: [UInt8] = {
        let bios = structure(0, handle: 0, formatted: [1, 2] + le16(0xE800) + [3, 0x0F] + [8, 0, 0, 0, 0, 0, 0, 0] + [0, 0] + [2, 7, 0xFF, 0xFF],
                             strings: ["Vigil Firmware", "V1.23", "12/06/2026"])
        let oem = structure(11, handle: 0x0B00, formatted: [2], strings: ["Vigil OEM one", "key=value 2"])
        func memory(handle: UInt16, size: UInt16, type: UInt8, detail: UInt16, speed: UInt16, strings: [String], volts: UInt16) -> [UInt8] {
            let f: [UInt8] = le16(0x1000) + le16(0xFFFE) + le16(72) + le16(64) + le16(size) + [0x09, 0]
                + [1, strings.count > 1 ? 2 : 0, type] + le16(detail) + le16(speed)
                + (strings.count > 2 ? [3, 4, 5, 6] : [0, 0, 0, 0]) + [2] + [0, 0, 0, 0]
                + le16(speed == 0 ? 0 : 2933) + le16(volts) + le16(volts) + le16(volts)
            return structure(17, handle: handle, formatted: f, strings: strings)
        }
        return bios + oem
            + memory(handle: 0x1100, size: 0x4000, type: 0x1A, detail: 0x2080, speed: 3200,
                     strings: ["DIMM 0", "P0 CHANNEL A", "Vigil Memory", "SN123", "Asset 7", "VM-16G"], volts: 1200)
            + memory(handle: 0x1101, size: 0, type: 0x02, detail: 0x0004, speed: 0, strings: ["DIMM 1"], volts: 0)
            + SMBIOSMemoryArrayTests.structures
            + structure(127, handle: 0xFEFF, formatted: [], strings: [])
    }()

    /// Writes the table and an SMBIOS 3 entry point dump; dmidecode's blocks by handle.
    static func fixture() throws -> (dir: URL, table: String, dmidecode: [String: [String: String]]) {
        var entry: [UInt8] = Array("_SM3_".utf8) + [0, 0x18, 3, 2, 0, 1, 0]
        entry += withUnsafeBytes(of: UInt32(table.count).littleEndian, Array.init)
        entry += withUnsafeBytes(of: UInt64(0x20).littleEndian, Array.init)
        entry[5] = UInt8(truncatingIfNeeded: 256 - entry.reduce(0) { ($0 + Int($1)) } % 256)
        let dir = try temporaryDirectory()
        let dump = dir.appendingPathComponent("dmi.bin"), tablePath = dir.appendingPathComponent("DMI")
        try Data(entry + [UInt8](repeating: 0, count: 0x20 - entry.count) + table).write(to: dump)
        try Data(table).write(to: tablePath)
        var blocks: [String: [String: String]] = [:]
        var handle = ""
        var lastKey = ""
        for line in try shell(["dmidecode", "--from-dump", dump.path]).split(separator: "\n") {
            if line.hasPrefix("Handle ") { handle = String(line.split(separator: ",")[0].dropFirst(7)); continue }
            guard line.hasPrefix("\t") else { continue }
            if line.hasPrefix("\t\t") { blocks[handle, default: [:]][lastKey, default: ""] += (blocks[handle]?[lastKey]?.isEmpty ?? true ? "" : "\n") + line.dropFirst(2); continue }
            let parts = line.dropFirst().split(separator: ":", maxSplits: 1)
            lastKey = String(parts[0])
            blocks[handle, default: [:]][lastKey] = parts.count > 1 ? String(parts[1].dropFirst()) : ""
        }
        return (dir, tablePath.path, blocks)
    }

    static func rows(_ table: any VirtualTable) throws -> [[String: SQLValue]] {
        try Database(tables: [table]).query("SELECT * FROM \(table.schema.name)")
    }

    @Test func oemStringsMatchDmidecode() throws {
        let (dir, path, dmi) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try Self.rows(OEMStringsTable(path: path))
        // dmidecode: "String 1: Vigil OEM one".
        let expected = (dmi["0x0B00"] ?? [:]).filter { $0.key.hasPrefix("String ") }.map { "0x0B00|\($0.key.dropFirst(7))|\($0.value)" }
        try #require(expected.count == 2, "\(dmi)")
        #expect(Set(rows.map { "\($0["handle"]!.string)|\($0["number"]!.int)|\($0["value"]!.string)" }) == Set(expected))
    }

    @Test func platformInfoMatchesDmidecode() throws {
        let (dir, path, dmi) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bios = try #require(dmi["0x0000"], "\(dmi)")
        let rows = try Self.rows(PlatformInfoTable(path: path))
        try #require(rows.count == 1)
        #expect(rows[0]["vendor"]?.string == bios["Vendor"])
        #expect(rows[0]["version"]?.string == bios["Version"])
        #expect(rows[0]["date"]?.string == bios["Release Date"])
        #expect(rows[0]["revision"]?.string == bios["BIOS Revision"])
        #expect(rows[0]["address"]?.string == bios["Address"])
        // "ROM Size: 1 MB" (dmidecode's units are powers of 1024).
        let rom = try #require(bios["ROM Size"]?.split(separator: " "))
        let unit: Int64 = ["kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30][String(rom[1])] ?? 0
        #expect(rows[0]["size"]?.string == String(Int64(rom[0])! * unit))
    }

    @Test func memoryDevicesMatchDmidecode() throws {
        let (dir, path, dmi) = try Self.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try Self.rows(MemoryDevicesTable(path: path))
        try #require(rows.count == 2)
        func text(_ v: String?) -> String { v == "Not Specified" || v == "Unknown" || v == "None" ? "" : v ?? "" }
        func number(_ v: String?) -> Int64? { v.flatMap { Int64($0.split(separator: " ").first ?? "") } }
        for row in rows {
            let d = try #require(dmi[row["handle"]!.string], "\(row)")
            #expect(row["array_handle"]?.string == d["Array Handle"])
            #expect(row["total_width"]?.integer == number(d["Total Width"]))
            #expect(row["data_width"]?.integer == number(d["Data Width"]))
            #expect(row["form_factor"]?.string == d["Form Factor"])
            #expect(row["set"]?.integer == (d["Set"] == "None" ? 0 : number(d["Set"])))
            #expect(row["device_locator"]?.string == text(d["Locator"]))
            #expect(row["bank_locator"]?.string == text(d["Bank Locator"]))
            #expect(row["memory_type"]?.string == d["Type"])
            #expect(row["memory_type_details"]?.string == d["Type Detail"])
            #expect(row["manufacturer"]?.string == text(d["Manufacturer"]))
            #expect(row["serial_number"]?.string == text(d["Serial Number"]))
            #expect(row["asset_tag"]?.string == text(d["Asset Tag"]))
            #expect(row["part_number"]?.string == text(d["Part Number"]))
            // "Size: 16 GB" or "No Module Installed".
            let size = d["Size"] ?? ""
            let mb: Int64? = size == "No Module Installed" ? 0 : number(size).map { $0 * (size.hasSuffix("GB") ? 1024 : 1) }
            #expect(row["size"]?.integer == mb, "\(size)")
            // "Speed: 3200 MT/s" or "Unknown"; "Minimum Voltage: 1.2 V" or "Unknown".
            #expect((row["max_speed"]?.integer ?? 0) == (number(d["Speed"]) ?? 0))
            #expect((row["configured_clock_speed"]?.integer ?? 0) == (number(d["Configured Memory Speed"]) ?? 0))
            let volts = d["Minimum Voltage"].flatMap { Double($0.split(separator: " ")[0]) }.map { Int64(($0 * 1000).rounded()) } ?? 0
            #expect((row["min_voltage"]?.integer ?? 0) == volts)
        }
    }
}
