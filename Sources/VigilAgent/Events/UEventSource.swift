import Logging
import VigilSystem

/// Feeds hardware_events from the kernel's uevents: the multicast group 1 of
/// NETLINK_KOBJECT_UEVENT, the same messages udevd receives (and that need no udevd).
enum UEventSource {
    static func service(store: EventStore, logger: Logger) -> ReaderThreadService {
        ReaderThreadService(name: "vigil-uevents", logger: logger) { stop in
            let socket: NetlinkSocket
            do { socket = try NetlinkSocket(.kobjectUEvent, groups: 1) } catch {
                logger.warning("hardware_events is empty: the kernel's uevent socket cannot be opened here (\(error))")
                return
            }
            store.noteTracer(active: true, lostInKernel: 0)
            defer { store.noteTracer(active: false, lostInKernel: store.counters.lostInKernel) }
            logger.info("hardware_events is fed by the kernel's uevents")
            try UEventSource.read(socket, into: store, until: stop)
        }
    }

    static func read(_ socket: NetlinkSocket, into store: EventStore, until stop: ReaderThreadService.StopFlag) throws {
        try NetlinkEventLoop.run(socket, stores: [store], until: stop, bufferBytes: 16 << 10) { data, now in
            guard let event = UEvent(data), let row = HardwareEventsTable.row(event, time: now) else { return }
            store.add(time: now, values: row)
        }
    }
}
