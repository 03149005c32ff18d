import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// memory_arrays, memory_array_mapped_addresses, memory_device_mapped_addresses and
/// memory_error_info on the structure table SMBIOSTablesTests builds, compared with
/// what `dmidecode --from-dump` prints for the same bytes.
@Suite(.ownThread) struct SMBIOSMemoryArrayTests {
    typealias T = SMBIOSTablesTests

    /// Two arrays (one with the 2.7 extended capacity), their mapped ranges (one in the
    /// extended form), two device ranges (one with unknown positions) and two error
    /// records (one all unknown). The devices 0x1100 and 0x1101 are SMBIOSTablesTests'.
    static let structures: [UInt8] = {
        func array(_ handle: UInt16, location: UInt8, use: UInt8, ecc: UInt8, kib: UInt32, errors: UInt16, devices: UInt16, bytes: UInt64) -> [UInt8] {
            T.structure(16, handle: handle, formatted: [location, use, ecc] + T.le32(kib) + T.le16(errors) + T.le16(devices) + T.le64(bytes), strings: [])
        }
        func mapped(_ handle: UInt16, start: UInt32, end: UInt32, array: UInt16, width: UInt8, extended: (UInt64, UInt64) = (0, 0)) -> [UInt8] {
            T.structure(19, handle: handle, formatted: T.le32(start) + T.le32(end) + T.le16(array) + [width] + T.le64(extended.0) + T.le64(extended.1), strings: [])
        }
        func device(_ handle: UInt16, start: UInt32, end: UInt32, device: UInt16, mapped: UInt16, row: UInt8, interleave: UInt8, depth: UInt8) -> [UInt8] {
            T.structure(20, handle: handle, formatted: T.le32(start) + T.le32(end) + T.le16(device) + T.le16(mapped) + [row, interleave, depth] + T.le64(0) + T.le64(0), strings: [])
        }
        func error(_ handle: UInt16, type: UInt8, granularity: UInt8, operation: UInt8, syndrome: UInt32, array: UInt32, device: UInt32, resolution: UInt32) -> [UInt8] {
            T.structure(18, handle: handle, formatted: [type, granularity, operation] + T.le32(syndrome) + T.le32(array) + T.le32(device) + T.le32(resolution), strings: [])
        }
        return array(0x1000, location: 3, use: 3, ecc: 6, kib: 0x0200_0000, errors: 0xFFFE, devices: 2, bytes: 0)
            + array(0x1001, location: 0xA0, use: 4, ecc: 3, kib: 0x8000_0000, errors: 0x1800, devices: 4, bytes: 0x200_0000_0000)
            + mapped(0x1300, start: 0, end: 0x01FF_FFFF, array: 0x1000, width: 2)
            + mapped(0x1301, start: 0xFFFF_FFFF, end: 0xFFFF_FFFF, array: 0x1001, width: 4, extended: (0x8_0000_0000, 0x207_FFFF_FFFF))
            + device(0x1400, start: 0, end: 0x00FF_FFFF, device: 0x1100, mapped: 0x1300, row: 1, interleave: 1, depth: 2)
            + device(0x1401, start: 0x0100_0000, end: 0x01FF_FFFF, device: 0x1101, mapped: 0x1300, row: 0xFF, interleave: 0xFF, depth: 0xFF)
            + error(0x1800, type: 0x0C, granularity: 3, operation: 3, syndrome: 0xDEAD_BEEF, array: 0x1234_5678, device: 0x8000_0000, resolution: 0x40)
            + error(0x1801, type: 3, granularity: 2, operation: 2, syndrome: 0, array: 0x8000_0000, device: 0x8000_0000, resolution: 0x8000_0000)
    }()

    /// dmidecode's words match osquery's but for case ("System Board Or Motherboard"),
    /// and dmidecode spells out what osquery leaves NULL ("Not Provided", "Unknown").
    static func same(_ ours: SQLValue?, _ theirs: String?, missing: Set<String> = ["Unknown", "Not Provided"]) -> Bool {
        guard let theirs, !missing.contains(theirs) else { return ours == .null }
        return ours?.text?.lowercased() == theirs.lowercased()
    }

    /// "32 GB", "2 TB" (dmidecode's units are powers of 1024) in GiB.
    static func gib(_ size: String?) -> Int64? {
        guard let parts = size?.split(separator: " "), parts.count == 2, let n = Int64(parts[0]) else { return nil }
        let shift: Int64? = ["MB": -10, "GB": 0, "TB": 10][String(parts[1])]
        return shift.map { $0 >= 0 ? n << $0 : n >> -$0 }
    }

    static func hex(_ text: String?) -> UInt64? {
        text.flatMap { UInt64($0.dropFirst(2).filter(\.isHexDigit), radix: 16) }
    }

    @Test func memoryArraysMatchDmidecode() throws {
        let (dir, path, dmi) = try T.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try T.rows(MemoryArraysTable(path: path))
        #expect(rows.map { $0["handle"]?.text } == ["0x1000", "0x1001"])
        for row in rows {
            let d = try #require(dmi[row["handle"]!.string], "\(row)")
            #expect(Self.same(row["location"], d["Location"]))
            #expect(Self.same(row["use"], d["Use"]))
            #expect(Self.same(row["memory_error_correction"], d["Error Correction Type"]))
            #expect(row["max_capacity"]?.integer == Self.gib(d["Maximum Capacity"]))
            #expect(Self.same(row["memory_error_info_handle"], d["Error Information Handle"]))
            #expect(row["number_memory_devices"]?.integer == Int64(d["Number Of Devices"] ?? ""))
        }
        // memory_devices names its array by the same handle text.
        let db = try Database(tables: [MemoryArraysTable(path: path), MemoryDevicesTable(path: path)])
        #expect(try db.query("SELECT count(*) AS n FROM memory_devices d JOIN memory_arrays a ON d.array_handle = a.handle").first?["n"] == .integer(2))
    }

    @Test func memoryArrayMappedAddressesMatchDmidecode() throws {
        let (dir, path, dmi) = try T.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try T.rows(MemoryArrayMappedAddressesTable(path: path))
        #expect(rows.map { $0["handle"]?.text } == ["0x1300", "0x1301"])
        for row in rows {
            let d = try #require(dmi[row["handle"]!.string], "\(row)")
            #expect(row["memory_array_handle"]?.text == d["Physical Array Handle"])
            #expect(row["partition_width"]?.integer == Int64(d["Partition Width"] ?? ""))
            try Self.expectRange(row, d)
        }
        // osquery's forms: KiB in 8 digits, the extended byte addresses in 12.
        #expect(rows[0]["ending_address"] == "0x01FFFFFF")
        #expect(rows[1]["starting_address"] == "0x000800000000")
    }

    /// dmidecode prints the 32-bit KiB fields as byte addresses (start << 10, the last
    /// byte of the last KiB), and the extended fields as they are.
    static func expectRange(_ row: [String: SQLValue], _ d: [String: String]) throws {
        let start = try #require(hex(row["starting_address"]?.text)), end = try #require(hex(row["ending_address"]?.text))
        if row["starting_address"]?.text?.count == 10 {
            #expect(start << 10 == hex(d["Starting Address"]))
            #expect((end + 1) << 10 - 1 == hex(d["Ending Address"]))
        } else {
            #expect(start == hex(d["Starting Address"]) && end == hex(d["Ending Address"]))
        }
    }

    @Test func memoryDeviceMappedAddressesMatchDmidecode() throws {
        let (dir, path, dmi) = try T.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try T.rows(MemoryDeviceMappedAddressesTable(path: path))
        #expect(rows.map { $0["handle"]?.text } == ["0x1400", "0x1401"])
        for row in rows {
            let d = try #require(dmi[row["handle"]!.string], "\(row)")
            #expect(row["memory_device_handle"]?.text == d["Physical Device Handle"])
            #expect(row["memory_array_mapped_address_handle"]?.text == d["Memory Array Mapped Address Handle"])
            for (column, key) in [("partition_row_position", "Partition Row Position"), ("interleave_position", "Interleave Position"),
                                  ("interleave_data_depth", "Interleaved Data Depth")] {
                #expect(row[column] == (Int64(d[key] ?? "").map(SQLValue.integer) ?? .null), "\(column): \(d[key] ?? "")")
            }
            try Self.expectRange(row, d)
        }
        #expect(rows[1]["interleave_position"] == .null)
    }

    @Test func memoryErrorInfoMatchesDmidecode() throws {
        let (dir, path, dmi) = try T.fixture()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try T.rows(MemoryErrorInfoTable(path: path))
        #expect(rows.map { $0["handle"]?.text } == ["0x1800", "0x1801"])
        for row in rows {
            let d = try #require(dmi[row["handle"]!.string], "\(row)")
            #expect(Self.same(row["error_type"], d["Type"]))
            #expect(Self.same(row["error_granularity"], d["Granularity"], missing: []))
            #expect(Self.same(row["error_operation"], d["Operation"], missing: []))
            for (column, key) in [("vendor_syndrome", "Vendor Syndrome"), ("memory_array_error_address", "Memory Array Address"),
                                  ("device_error_address", "Device Address"), ("error_resolution", "Resolution")] {
                #expect(Self.same(row[column], d[key]), "\(column): \(d[key] ?? "")")
            }
        }
        // memory_arrays names the error record by its handle.
        let db = try Database(tables: [MemoryArraysTable(path: path), MemoryErrorInfoTable(path: path)])
        #expect(try db.query("SELECT e.error_type FROM memory_arrays a JOIN memory_error_info e ON a.memory_error_info_handle = e.handle").map { $0["error_type"] } == ["Corrected single-bit error"])
    }
}
