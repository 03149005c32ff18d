import Logging
import ServiceLifecycle
import VigilBPF
import VigilSQL
import VigilSystem
import VigilTrace

/// Feeds the event tables from the tracer: execs into process_events, TCP connects
/// and accepts into socket_events, with osquery's column names. Filtering and
/// decoding are the tracer's; this only turns events into rows.
public final class EventTracerService: Service, @unchecked Sendable {
    // @unchecked: `run` alone uses the sensor and the decoder.
    let stores: EventStores
    let logger: Logger

    public init(stores: EventStores, logger: Logger) {
        self.stores = stores
        self.logger = logger
    }

    public func run() async throws {
        var options = SensorOptions()
        options.events = [.exec, .fork, .exit, .connect, .accept]
        // 2 MiB (mapped twice by the kernel, so 4 MiB of the worker's RSS once used):
        // at two polls a second that is 4 MB/s, some 3,000 execs a second, before the
        // kernel drops events (and vigil_events counts them).
        options.ringBufferBytes = 2 << 20
        let sensor: TraceSensor
        do { sensor = try TraceSensor(options: options) } catch {
            logger.warning("event tables are empty: the tracer cannot start here (\(error))")
            return
        }
        let cache = ProcessCache()
        cache.seed()
        let decoder = EventDecoder(catalog: sensor.catalog)
        let stores = self.stores
        let ring = try RingBuffer(map: sensor.eventsMap) { record in
            guard let event = decoder.decode(record) else { return }
            switch event {
            case .process(let p):
                cache.apply(p)
                if p.kind == .exec {
                    let time = Self.unixTime(p.header)
                    let exe = cache.current(p.pid, comm: p.comm)?.exe ?? ""
                    stores.process.add(time: time, values: ProcessEventsTable.row(p, exe: exe, time: time))
                }
                cache.forget(p)
            case .network(let n) where n.kind == .connect || n.kind == .accept:
                let exe = n.ownerKnown ? cache.current(n.header.pid, comm: n.header.comm)?.exe ?? "" : ""
                let time = Self.unixTime(n.header)
                stores.socket.add(time: time, values: SocketEventsTable.row(n, exe: exe, time: time))
            default:
                break
            }
        }
        logger.info("event tables are fed by the tracer: process_events, socket_events")
        defer { sensor.detach() }
        var lastExpiry: Int64 = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            _ = try ring.poll(timeoutMilliseconds: 0)
            ring.drain()
            let lost = sensor.lostInKernel()
            stores.process.noteTracer(active: true, lostInKernel: [EventKind.exec, .fork, .exit].reduce(0) { $0 + (lost[$1] ?? 0) })
            stores.socket.noteTracer(active: true, lostInKernel: (lost[.connect] ?? 0) + (lost[.accept] ?? 0))
            let now = Clock.realtimeNanoseconds() / 1_000_000_000
            if now - lastExpiry >= 10 {
                lastExpiry = now
                stores.all.forEach { $0.expire(now: now) }
            }
            // The ring holds a busy host's events for over a second; waking twice a
            // second keeps an idle agent cheap.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(500)) }
        }
    }

    /// The event's wall-clock time, from its CLOCK_BOOTTIME stamp.
    static func unixTime(_ h: EventHeader) -> Int64 {
        let offset = Clock.realtimeNanoseconds() - Clock.boottimeNanoseconds()
        return (Int64(h.bootTimeNanoseconds) + offset) / 1_000_000_000
    }
}
