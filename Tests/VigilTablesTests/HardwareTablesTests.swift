import Foundation
import Testing
import VigilSQL
import VigilTestSupport
@testable import VigilTables

/// pci_devices against lspci, usb_devices against a sysfs tree the test builds (this
/// machine has no USB bus), acpi_tables against md5sum, smbios_tables against
/// dmidecode reading the same bytes, cpuid against /proc/cpuinfo.
@Suite(.ownThread) struct HardwareTablesTests {
    /// `lspci -D -n -mm`: slot "CCSS" "VVVV" "DDDD" [-rREV] [-pIF] "SV" "SD".
    @Test func pciDevicesMatchLspci() throws {
        let rows = try query("SELECT * FROM pci_devices")
        let lines = try shell(["lspci", "-D", "-n", "-mm"]).split(separator: "\n")
        #expect(rows.count == lines.count)
        let names = try shell(["lspci", "-D", "-mm"]).split(separator: "\n")
        for (line, named) in zip(lines, names) {
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            let slot = String(line.split(separator: " ")[0])
            let row = try #require(rows.first { $0["pci_slot"]?.string == slot })
            #expect(row["pci_class_id"]!.string + row["pci_subclass_id"]!.string == quoted[0])
            #expect(row["vendor_id"]?.string == quoted[1])
            #expect(row["model_id"]?.string == quoted[2])
            // lspci leaves a zero subsystem out; sysfs (and so the table) says 0000.
            try #require(quoted.count == 5)
            #expect(row["subsystem_vendor_id"]?.string == (quoted[3].isEmpty ? "0000" : quoted[3]))
            #expect(row["subsystem_model_id"]?.string == (quoted[4].isEmpty ? "0000" : quoted[4]))
            let namedFields = named.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            // lspci names the subclass when pci.ids has it, else the class.
            let className = row["pci_subclass"]!.string.isEmpty ? row["pci_class"]!.string : row["pci_subclass"]!.string
            // "Unassigned class [ffff]": lspci adds the number to a class without a subclass name.
            let lspciClass = namedFields[0].hasSuffix("]") ? String(namedFields[0].prefix { $0 != "[" }.dropLast()) : namedFields[0]
            if !className.isEmpty { #expect(lspciClass == className) }
            if !row["vendor"]!.string.isEmpty { #expect(namedFields[1] == row["vendor"]!.string) }
            if !row["model"]!.string.isEmpty { #expect(namedFields[2] == row["model"]!.string) }
        }
        // The driver lspci -k reports.
        let kernel = try shell(["lspci", "-D", "-k"])
        for row in rows where !row["driver"]!.string.isEmpty {
            #expect(kernel.contains("Kernel driver in use: \(row["driver"]!.string)"))
        }
    }

    @Test func usbDevicesFromSysfs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func device(_ name: String, _ attrs: [String: String]) throws {
            let d = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            for (k, v) in attrs { try (v + "\n").write(to: d.appendingPathComponent(k), atomically: true, encoding: .utf8) }
        }
        try device("usb1", ["busnum": "1", "devnum": "1", "idVendor": "1d6b", "idProduct": "0002", "bDeviceClass": "09",
                            "bDeviceSubClass": "00", "bDeviceProtocol": "01", "manufacturer": "Linux 6.18 xhci-hcd", "product": "xHCI Host Controller",
                            "removable": "unknown", "bcdDevice": "0618"])
        try device("1-1", ["busnum": "1", "devnum": "3", "idVendor": "046d", "idProduct": "c52b", "bDeviceClass": "00",
                           "bDeviceSubClass": "00", "bDeviceProtocol": "00", "removable": "removable", "serial": "ABC123"])
        try device("1-1:1.0", ["bInterfaceClass": "03"])
        let ids = dir.appendingPathComponent("usb.ids")
        try "# test\n046d  Logitech, Inc.\n\tc52b  Unifying Receiver\n1d6b  Linux Foundation\n".write(to: ids, atomically: true, encoding: .utf8)
        let table = USBDevicesTable(root: dir.path, idsPath: ids.path)
        let rows = try table.generate(QueryContext(schema: table.schema)).all()
        #expect(rows.count == 2)  // the interface 1-1:1.0 is not a device
        let receiver = try #require(rows.first { $0["model_id"]?.string == "c52b" })
        #expect(receiver["vendor"]?.string == "Logitech, Inc.")   // no manufacturer string: from usb.ids
        #expect(receiver["model"]?.string == "Unifying Receiver")
        #expect(receiver["usb_address"]?.int == 1)
        #expect(receiver["usb_port"]?.int == 3)
        #expect(receiver["removable"]?.int == 1)
        #expect(receiver["serial"]?.string == "ABC123")
        let hub = try #require(rows.first { $0["vendor_id"]?.string == "1d6b" })
        #expect(hub["vendor"]?.string == "Linux 6.18 xhci-hcd")   // the device's own string wins
        #expect(hub["class"]?.string == "09")
        #expect(hub["removable"]?.int == -1)
    }

    @Test(.requiresRoot) func acpiTablesMatchMd5sum() throws {
        try requireRoot()
        let dir = "/sys/firmware/acpi/tables"
        let rows = try query("SELECT * FROM acpi_tables")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: dir + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
        }
        #expect(Set(rows.map { $0["name"]!.string }) == Set(files))
        for row in rows {
            let path = dir + "/" + row["name"]!.string
            #expect(row["md5"]?.string == String(try shell(["md5sum", path]).prefix(32)))
            #expect(row["size"]?.int == Int64(try shell(["stat", "-c", "%s", path]).trimmingCharacters(in: .newlines)))
        }
    }

    /// A structure table of the test's own, wrapped in an SMBIOS 3 entry point so that
    /// dmidecode --from-dump reads the same bytes.
    @Test func smbiosStructuresMatchDmidecode() throws {
        func structure(_ type: UInt8, handle: UInt16, formatted: [UInt8], strings: [String]) -> [UInt8] {
            var s: [UInt8] = [type, UInt8(4 + formatted.count), UInt8(handle & 0xff), UInt8(handle >> 8)] + formatted
            if strings.isEmpty { s += [0, 0] } else { for str in strings { s += Array(str.utf8) + [0] }; s += [0] }
            return s
        }
        let table = structure(0, handle: 0, formatted: [1, 2, 0, 0xf0, 3, 0xff] + [UInt8](repeating: 0, count: 8) + [0, 0, 1, 2, 0xff, 0xff],
                              strings: ["Vigil BIOS", "1.0", "12/06/2026"])
            + structure(1, handle: 0x100, formatted: [1, 2, 0, 3] + [UInt8](repeating: 0x11, count: 16) + [6, 0, 0],
                        strings: ["Vigil", "Test Machine", "Serial 9"])
            + structure(127, handle: 0xfeff, formatted: [], strings: [])
        var entry: [UInt8] = Array("_SM3_".utf8) + [0, 0x18, 3, 0, 0, 1, 0]
        entry += withUnsafeBytes(of: UInt32(table.count).littleEndian, Array.init)
        entry += withUnsafeBytes(of: UInt64(0x20).littleEndian, Array.init)
        entry[5] = UInt8(truncatingIfNeeded: 256 - entry.reduce(0) { ($0 + Int($1)) } % 256)
        let dump = entry + [UInt8](repeating: 0, count: 0x20 - entry.count) + table
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let dumpPath = dir.appendingPathComponent("dmi.bin"), tablePath = dir.appendingPathComponent("DMI")
        try Data(dump).write(to: dumpPath)
        try Data(table).write(to: tablePath)

        let smbios = SMBIOSTablesTable(path: tablePath.path)
        let rows = try smbios.generate(QueryContext(schema: smbios.schema)).all()
        // dmidecode: "Handle 0x0100, DMI type 1, 27 bytes".
        let handles = try shell(["dmidecode", "--from-dump", dumpPath.path]).split(separator: "\n").filter { $0.hasPrefix("Handle ") }
        #expect(rows.count == handles.count)
        for (row, line) in zip(rows, handles) {
            let parts = line.replacingOccurrences(of: ",", with: "").split(separator: " ")
            #expect(row["handle"]?.int == Int64(parts[1].dropFirst(2), radix: 16))
            #expect(row["type"]?.int == Int64(parts[4]))
            #expect(row["header_size"]?.int == Int64(parts[5]))
        }
        #expect(rows.map { $0["description"]!.string } == ["BIOS Information", "System Information", "End-of-Table"])
        let strings = "Vigil".utf8.count + "Test Machine".utf8.count + "Serial 9".utf8.count
        let systemSize: Int64 = Int64(4 + 23 + strings + 4)
        #expect(rows[1]["size"]?.int == systemSize)
        #expect(rows[2]["size"]?.int == 6)
    }

    @Test func cpuidAgreesWithProcCpuinfo() throws {
        let rows = try query("SELECT * FROM cpuid")
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        guard let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }  // not x86
        let flags = Set(flagsLine.split(separator: ":")[1].split(separator: " ").map(String.init))
        let vendor = cpuinfo.split(separator: "\n").first { $0.hasPrefix("vendor_id") }.map { $0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces) }
        #expect(rows.first { $0["feature"]?.string == "vendor" }?["value"]?.string == vendor)
        // Bits every x86-64 CPU has, as CPUID and the kernel both report them.
        for feature in ["fpu", "tsc", "cx8", "cmov", "mmx", "fxsr", "sse", "sse2", "syscall", "nx", "lm"] {
            #expect(rows.first { $0["feature"]?.string == feature }?["value"]?.string == "1", "\(feature)")
        }
        // Where CPUID says yes, the kernel lists the flag (it may hide more, never invent).
        for row in rows where row["value"]?.string == "1" && row["output_register"]?.string.count == 3 {
            let name = row["feature"]!.string
            if ["ht", "monitor", "vmx", "smx", "ss", "mca", "x2apic", "hle", "rtm", "smap", "smep", "arch_capabilities", "md_clear", "stibp", "ssbd"].contains(name) { continue }  // the kernel clears these as it sees fit (tsx=off, nosmap, mitigations)
            #expect(flags.contains(name), "\(name)")
        }
        #expect(rows.first { $0["feature"]?.string == "sse2" }?["input_eax"]?.string == "0x1")
    }
}
