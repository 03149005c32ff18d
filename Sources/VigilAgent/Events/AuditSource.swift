import Logging
import VigilSystem

/// Feeds user_events, selinux_events and seccomp_events from the audit socket's
/// read-only multicast group (AUDIT_NLGRP_READLOG): the kernel copies every record
/// there as well as to auditd, so reading it never takes auditd's place, and needs
/// only CAP_AUDIT_READ. Vigil does not change the audit settings: with auditing off
/// (`auditctl -s` shows enabled 0) the kernel sends no user records, and says so once.
enum AuditSource {
    static func service(stores: EventStores, logger: Logger) -> ReaderThreadService {
        ReaderThreadService(name: "vigil-audit", logger: logger) { stop in
            let targets = [stores.user, stores.selinux, stores.seccomp]
            let socket: NetlinkSocket
            do { socket = try NetlinkSocket(.audit, groups: 1) } catch {
                logger.warning("user_events, selinux_events and seccomp_events are empty: the audit socket's read-only group cannot be joined here (\(error))")
                return
            }
            AuditSource.describe(logger)
            targets.forEach { $0.noteTracer(active: true, lostInKernel: 0) }
            defer { targets.forEach { $0.noteTracer(active: false, lostInKernel: $0.counters.lostInKernel) } }
            try AuditSource.read(socket, into: stores, until: stop)
        }
    }

    /// Log once what the kernel's audit status means for the tables.
    static func describe(_ logger: Logger) {
        guard let control = try? NetlinkSocket(.audit, groups: 0), let status = try? AuditRecord.status(control) else {
            logger.info("user_events, selinux_events and seccomp_events read the audit socket's read-only group (the audit status could not be read)")
            return
        }
        let auditd = status.auditdPID != 0 ? "auditd (pid \(status.auditdPID)) keeps its feed" : "no auditd runs"
        if status.enabled == 0 {
            logger.info("audit is off in the kernel (enabled 0; \(auditd)): user_events stays empty until it is on (auditctl -e 1); seccomp_events still gets the kills and logs the kernel reports")
        } else {
            logger.info("user_events, selinux_events and seccomp_events read the audit socket's read-only group (\(auditd))")
        }
    }

    static func read(_ socket: NetlinkSocket, into stores: EventStores, until stop: ReaderThreadService.StopFlag) throws {
        try NetlinkEventLoop.run(socket, stores: [stores.user, stores.selinux, stores.seccomp], until: stop) { data, _ in
            if let record = AuditRecord(datagram: data) { add(record, to: stores) }
        }
    }

    /// Route one record to its table, if any.
    static func add(_ record: AuditRecord, to stores: EventStores) {
        let uptime = Clock.boottimeNanoseconds() / 1_000_000_000
        let time = record.milliseconds / 1000
        if record.type == SeccompEventsTable.recordType {
            stores.seccomp.add(time: time, values: SeccompEventsTable.row(record, uptime: uptime))
        } else if SELinuxEventsTable.contains(record.type) {
            stores.selinux.add(time: time, values: SELinuxEventsTable.row(record, uptime: uptime))
        } else if UserEventsTable.contains(record.type) {
            stores.user.add(time: time, values: UserEventsTable.row(record, uptime: uptime))
        }
    }
}
