import Foundation
import Glibc
import Testing
import VigilSystem
import VigilTestSupport

/// The netlink readers against what this machine's kernel sends: a uevent the test
/// causes, and an audit user record the test sends, each read back from the multicast
/// group Vigil reads. Both need root (CAP_AUDIT_CONTROL, CAP_AUDIT_READ).
@Suite(.ownThread, .serialized) struct NetlinkTests {
    /// Wait for the first message `match` accepts, up to `seconds`.
    static func first<T>(_ socket: NetlinkSocket, within seconds: Double, _ match: (UnsafeRawBufferPointer) -> T?) throws -> T? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
        defer { buffer.deallocate() }
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if case .message(let data) = try socket.receive(into: buffer, timeoutMilliseconds: 200), let found = match(data) { return found }
        }
        return nil
    }

    /// Writing "add" to a device's uevent file makes the kernel announce it again: the
    /// event arrives with that action, the device's sysfs path and its subsystem.
    @Test(.enabled(if: geteuid() == 0, "needs root")) func aUEventTheTestCausesArrives() throws {
        let socket = try NetlinkSocket(.kobjectUEvent, groups: 1)
        let device = try #require(realpath("/sys/class/net/lo", nil).map { p in defer { free(p) }; return String(cString: p) })
        let fd = open("/sys/class/net/lo/uevent", O_WRONLY)
        try #require(fd >= 0)
        #expect(write(fd, "add\n", 4) == 4)
        close(fd)
        let event = try Self.first(socket, within: 5) { data in UEvent(data).flatMap { $0.devicePath == String(device.dropFirst(4)) ? $0 : nil } }
        #expect(event?.action == "add")
        #expect(event?.properties["SUBSYSTEM"] == "net")
        #expect(event?.properties["INTERFACE"] == "lo")
        #expect(event?.path == device)
    }

    /// A user record sent as libaudit's audit_log_user_message sends it comes back on
    /// the read-only group with the kernel's pid and the sender's fields. Auditing must
    /// be on for user records; the test turns it on and restores what it found.
    @Test(.enabled(if: geteuid() == 0, "needs root")) func anAuditUserRecordArrivesOnTheReadOnlyGroup() throws {
        let control = try NetlinkSocket(.audit, groups: 0)
        let before = try AuditRecord.status(control)
        if before.enabled == 0 { try AuditRecord.setEnabled(control, true) }
        defer { if before.enabled == 0 { try? AuditRecord.setEnabled(control, false) } }
        #expect(try AuditRecord.status(control).enabled == 1)
        let group = try NetlinkSocket(.audit, groups: 1)
        let marker = "vigil-\(UUID().uuidString.prefix(8))"
        try AuditRecord.sendUserMessage(control, type: 1005, text: "op=\(marker) acct=\"root\" exe=\"/usr/bin/vigil-test\" hostname=? addr=10.1.2.3 terminal=pts/9 res=success")
        let record = try Self.first(group, within: 5) { data in
            AuditRecord(datagram: data).flatMap { $0.type == 1005 && $0.body.contains(marker) ? $0 : nil }
        }
        let r = try #require(record)
        #expect(r.fields["pid"] == String(getpid()))
        #expect(r.fields["uid"] == String(getuid()))
        let inner = AuditRecord.fields(r.fields["msg"] ?? "")
        #expect(inner["op"] == marker)
        #expect(inner["exe"] == "/usr/bin/vigil-test")
        #expect(inner["addr"] == "10.1.2.3")
        #expect(inner["terminal"] == "pts/9")
        #expect(abs(r.milliseconds / 1000 - Int64(Date().timeIntervalSince1970)) < 10)
    }

    /// The parsers on recorded text: fields with quoted values, and a datagram's header.
    @Test func auditRecordTextParses() throws {
        let r = try #require(AuditRecord(type: 1400, text: #"audit(1700000000.123:42): avc:  denied  { read } for  pid=77 comm="cat" name="shadow" dev="sda1" ino=12 scontext=u:r:t:s0 tcontext=u:o:shadow_t:s0 tclass=file permissive=0"#))
        #expect(r.milliseconds == 1_700_000_000_123 && r.serial == 42)
        #expect(r.body.hasPrefix("avc:  denied"))
        #expect(r.fields["comm"] == "cat" && r.fields["tclass"] == "file" && r.fields["pid"] == "77")
        #expect(AuditRecord(type: 1005, text: "not a record") == nil)
    }

    @Test func kernelUEventBytesParse() throws {
        let bytes = Array("add@/devices/pci0000:00/0000:00:14.0/usb1/1-2\0ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2\0SUBSYSTEM=usb\0DEVNAME=bus/usb/001/004\0DEVTYPE=usb_device\0PRODUCT=46d/c52b/1211\0DRIVER=usb\0".utf8)
        let event = try #require(bytes.withUnsafeBytes { UEvent($0) })
        #expect(event.action == "add" && event.devicePath == "/devices/pci0000:00/0000:00:14.0/usb1/1-2")
        #expect(event.path == "/dev/bus/usb/001/004")
        let ids = try #require(event.identifiers)
        #expect(ids.vendor == "046d" && ids.model == "c52b" && ids.revision == "1211")
        #expect(Array("libudev\0\u{1}".utf8).withUnsafeBytes { UEvent($0) } == nil)
    }
}
