import Testing
@testable import VigilAgent
import VigilSQL
import VigilSystem
import VigilTestSupport

/// The rows of the audit, uevent and syslog tables from recorded source text: what
/// cannot be caused on this machine (SELinux is not in this kernel's boot) is checked
/// on the text the kernel writes.
@Suite(.ownThread) struct HostEventRowsTests {
    func values(_ schema: TableSchema, _ row: [SQLValue]) -> [String: SQLValue] {
        Dictionary(uniqueKeysWithValues: zip(schema.columns.map(\.name), row))
    }

    @Test func anAVCDenialIsASELinuxEvent() throws {
        let text = #"audit(1700000000.500:77): avc:  denied  { read } for  pid=1234 comm="cat" name="shadow" dev="dm-0" ino=393 scontext=unconfined_u:unconfined_r:unconfined_t:s0 tcontext=system_u:object_r:shadow_t:s0 tclass=file permissive=0"#
        let record = try #require(AuditRecord(type: 1400, text: text))
        let stores = EventStores(capacity: 10)
        AuditSource.add(record, to: stores)
        #expect(stores.user.counters.seen == 0 && stores.seccomp.counters.seen == 0)
        let rows = try Database(tables: stores.tables).query("SELECT type, message, time, eid FROM selinux_events")
        #expect(rows.count == 1)
        #expect(rows.first?["type"] == .text("AVC"))
        #expect(rows.first?["message"]?.text?.hasPrefix("avc:  denied  { read }") == true)
        #expect(rows.first?["time"] == .integer(1_700_000_000))
        #expect(rows.first?["eid"] == .text("1"))
    }

    @Test func aSeccompRecordNamesItsSyscallArchAndAction() throws {
        let text = #"audit(1796616216.700:3): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29516 comm="python3" exe="/usr/bin/python3.11" sig=31 arch=c000003e syscall=39 compat=0 ip=0x7fabd0b1f829 code=0x80000000"#
        let record = try #require(AuditRecord(type: 1326, text: text))
        let v = values(SeccompEventsTable.schema, SeccompEventsTable.row(record, uptime: 5))
        #expect(v["syscall"] == .text("getpid") && v["arch"] == .text("X86_64") && v["code"] == .text("KILL_PROCESS"))
        #expect(v["auid"] == .integer(4_294_967_295) && v["pid"] == .integer(29516) && v["sig"] == .integer(31))
        #expect(v["comm"] == .text("python3") && v["exe"] == .text("/usr/bin/python3.11") && v["ip"] == .text("0x7fabd0b1f829"))
        // ERRNO carries the errno in its low bits; the action is still named.
        let errno = try #require(AuditRecord(type: 1326, text: text.replacingOccurrences(of: "code=0x80000000", with: "code=0x50001")))
        #expect(values(SeccompEventsTable.schema, SeccompEventsTable.row(errno, uptime: 5))["code"] == .text("ERRNO"))
    }

    @Test func recordTypesGoToTheirTables() {
        #expect(UserEventsTable.contains(1112) && UserEventsTable.contains(2300) && !UserEventsTable.contains(1107))
        #expect(SELinuxEventsTable.contains(1107) && SELinuxEventsTable.contains(1403) && !SELinuxEventsTable.contains(1326))
        #expect(!UserEventsTable.contains(1300))
    }

    @Test func syslogCSVLinesParse() throws {
        let line = #""2026-12-07T05:00:00+01:00","web1","3","daemon","cron[7]:","(root) CMD ""x, y"""#
        let v = values(SyslogEventsTable.schema, try #require(SyslogEventsTable.row(line: line, now: 1)))
        #expect(v["time"] == .integer(1_796_616_000))
        #expect(v["host"] == .text("web1") && v["severity"] == .integer(3) && v["facility"] == .text("daemon"))
        #expect(v["tag"] == .text("cron[7]:") && v["message"] == .text(#"(root) CMD "x, y""#))
        // Unquoted fields (a template without csv) still parse; a short line does not.
        let plain = values(SyslogEventsTable.schema, try #require(SyslogEventsTable.row(line: "bad-date,h,6,user,t:,a, b", now: 9)))
        #expect(plain["time"] == .integer(9) && plain["message"] == .text("a, b"))
        #expect(SyslogEventsTable.row(line: "a,b,c", now: 1) == nil)
    }

    @Test func aUSBUEventFillsTheHardwareColumns() throws {
        let event = UEvent(action: "add", devicePath: "/devices/pci0000:00/usb1/1-2", properties: [
            "DEVNAME": "bus/usb/001/004", "DEVTYPE": "usb_device", "DRIVER": "usb", "PRODUCT": "46d/c52b/1211", "SUBSYSTEM": "usb"])
        let attributes = ["/sys/devices/pci0000:00/usb1/1-2/manufacturer": "Logitech", "/sys/devices/pci0000:00/usb1/1-2/product": "USB Receiver",
                          "/sys/devices/pci0000:00/usb1/1-2/serial": "ABC123"]
        let v = values(HardwareEventsTable.schema, try #require(HardwareEventsTable.row(event, time: 7) { attributes[$0] }))
        #expect(v["path"] == .text("/dev/bus/usb/001/004") && v["type"] == .text("usb_device") && v["driver"] == .text("usb"))
        #expect(v["vendor"] == .text("Logitech") && v["model"] == .text("USB Receiver") && v["serial"] == .text("ABC123"))
        #expect(v["vendor_id"] == .text("046d") && v["model_id"] == .text("c52b") && v["revision"] == .text("1211"))
        // Partitions are left out, as osquery's hardware_disabled_types does by default.
        let partition = UEvent(action: "add", devicePath: "/devices/x/sda/sda1", properties: ["DEVTYPE": "partition"])
        #expect(HardwareEventsTable.row(partition, time: 7) == nil)
    }
}
