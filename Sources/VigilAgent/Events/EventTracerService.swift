import Glibc
import Logging
import Synchronization
import ServiceLifecycle
import VigilBPF
import VigilSQL
import VigilSystem
import VigilTrace

/// Feeds the event tables from the tracer: execs into process_events, TCP connects
/// and accepts into socket_events, changes under `file_paths` into file_events, with
/// osquery's column names. Filtering and decoding are the tracer's; this only turns
/// events into rows.
public final class EventTracerService: Service, @unchecked Sendable {
    // @unchecked: `run` alone uses the sensor and the decoder.
    let stores: EventStores
    let watchList: FileWatchList
    let logger: Logger
    /// Files already present under file_paths whose writes are watched from the start
    /// (through descriptors opened before the agent); more than this and the rest are
    /// watched from their next open.
    static let seedLimit = 20_000

    public init(stores: EventStores, filePaths: FilePaths = FilePaths(), logger: Logger) {
        self.stores = stores
        self.watchList = FileWatchList(filePaths)
        self.logger = logger
    }

    public func run() async throws {
        var watchList = self.watchList
        // A reload that widens file_paths beyond what the kernel passes restarts the
        // sensor (the programs' filter is fixed at load); anything else is applied live.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let control = TracerControl()
            let current = watchList
            // Its own thread: it blocks in epoll until the kernel says the ring is filling
            // (or half a second passes), so bursts are drained at once without polling often.
            let thread = try NamedThread.start("vigil-events") { [self] in
                do { try self.trace(current, control) } catch { self.logger.error("event tracer stopped: \(error)") }
                control.finished.continuation.finish()
            }
            await withGracefulShutdownHandler {
                // Until the thread ends (a reload, a failure) or the worker stops: no timer.
                for await _ in control.finished.stream.cancelOnGracefulShutdown() {}
            } onGracefulShutdown: {
                control.stop.store(true, ordering: .releasing)
            }
            control.stop.store(true, ordering: .releasing)
            thread.join()
            guard let widened = control.widened else { return }
            logger.info("file_paths changed beyond the kernel's prefixes: restarting the tracer")
            watchList = widened
        }
    }

    /// Between `run` and the tracing thread: stop, done, and the watch list a reload
    /// needs a new sensor for (written by the thread before `finished`).
    final class TracerControl: @unchecked Sendable {
        let stop = Atomic<Bool>(false)
        /// Finished by the thread as it ends (after setting `widened`).
        let finished = AsyncStream<Never>.makeStream()
        var widened: FileWatchList?
    }

    /// Runs one sensor until stopped, or until a reload needs a new one (`control.widened`).
    private func trace(_ initialWatchList: FileWatchList, _ control: TracerControl) throws {
        var options = SensorOptions()
        options.events = [.exec, .fork, .exit, .connect, .accept]
        if !initialWatchList.isEmpty { options.fileIntegrity = FileIntegrityOptions(prefixes: initialWatchList.prefixes) }
        // 2 MiB (mapped twice by the kernel, so 4 MiB of the worker's RSS once used). The
        // kernel wakes this thread when a quarter of it is queued, so it drains bursts as
        // they come; what still does not fit is counted in vigil_events.
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
        let files = FileChangeRows(watchList: initialWatchList)
        let me = getpid()
        if options.fileIntegrity != nil { seedWatchedFiles(sensor, initialWatchList) }
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
            case .syscall(let call) where call.header.pid != UInt32(me):
                // The agent's own writes (state, results) are not the host's changes.
                let changes = call.fileChanges
                guard !changes.isEmpty else { return }
                let time = Self.unixTime(call.header)
                let exe = cache.current(call.header.pid, comm: call.header.comm)?.exe ?? ""
                for row in files.rows(changes, pid: Int32(call.header.pid), executable: exe, time: time) {
                    stores.file.add(time: time, values: row)
                }
            default:
                break
            }
        }
        let fileNote = options.fileIntegrity == nil ? " (file_events: no file_paths in the config)" : ", file_events"
        logger.info("event tables are fed by the tracer: process_events, socket_events\(fileNote)")
        defer { sensor.detach() }
        var lastExpiry: Int64 = 0
        while !control.stop.load(ordering: .acquiring) {
            // Also on the timeout: records below the wake-up mark raise no epoll event.
            _ = try ring.poll(timeoutMilliseconds: 500)
            let lost = sensor.lostInKernel()
            // A run the kernel skipped (the program already running on that CPU) is a lost event too.
            let skipped = sensor.skippedByKernel()
            func skips(_ programs: [String]) -> UInt64 { programs.reduce(0) { $0 + (skipped[$1] ?? 0) } }
            stores.process.noteTracer(active: true, lostInKernel: [EventKind.exec, .fork, .exit].reduce(0) { $0 + (lost[$1] ?? 0) }
                                      + skips(["handle_exec", "handle_fork", "handle_exit"]))
            stores.socket.noteTracer(active: true, lostInKernel: (lost[.connect] ?? 0) + (lost[.accept] ?? 0) + skips(["handle_tcp_state", "accept_exit"]))
            stores.file.noteTracer(active: options.fileIntegrity != nil, lostInKernel: [EventKind.open, .write, .syscall].reduce(0) { $0 + (lost[$1] ?? 0) }
                                   + skips(["syscall_enter", "syscall_exit"]))
            if let update = stores.takeFilePathsUpdate() {
                let next = FileWatchList(update)
                if Self.kernelPasses(next, with: options.fileIntegrity) {
                    files.watchList = next
                    logger.info("file_paths reloaded")
                } else {
                    control.widened = next
                    return
                }
            }
            let now = Clock.realtimeNanoseconds() / 1_000_000_000
            if now - lastExpiry >= 10 {
                lastExpiry = now
                stores.traced.forEach { $0.expire(now: now) }
            }
        }
    }

    /// Whether the running sensor already passes every path `next` watches: its kernel
    /// prefixes cover next's. No file integrity in the kernel passes nothing.
    static func kernelPasses(_ next: FileWatchList, with current: FileIntegrityOptions?) -> Bool {
        if next.isEmpty { return true }
        guard let current else { return false }
        let kernel = current.kernelPrefixes
        if kernel.isEmpty { return true }
        return FileIntegrityOptions(prefixes: next.prefixes).kernelPrefixes.allSatisfy { p in kernel.contains { p.hasPrefix($0) } }
    }

    /// Watch the writes of files that exist now: the kernel marks files as they are
    /// opened, which misses descriptors opened before the agent started.
    func seedWatchedFiles(_ sensor: TraceSensor, _ watchList: FileWatchList) {
        let paths = watchList.existingFiles(limit: Self.seedLimit)
        var seeded = 0
        for path in paths {
            guard let st = try? FileSystem.status(path, followLinks: false),
                  (try? sensor.watchFile(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))) != nil else { continue }
            seeded += 1
        }
        let limitNote = paths.count >= Self.seedLimit ? " (the limit; others from their next open)" : ""
        logger.info("file_events: \(seeded) existing files under file_paths watched for writes\(limitNote)")
    }

    /// The event's wall-clock time, from its CLOCK_BOOTTIME stamp.
    static func unixTime(_ h: EventHeader) -> Int64 {
        let offset = Clock.realtimeNanoseconds() - Clock.boottimeNanoseconds()
        return (Int64(h.bootTimeNanoseconds) + offset) / 1_000_000_000
    }
}
