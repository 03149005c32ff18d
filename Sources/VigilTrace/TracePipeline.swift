import VigilSystem

/// The user-space path of every record: decode in place → process cache →
/// policy → output, counting what it saw. The ring buffer callback runs this; the
/// throughput benchmark feeds it records directly.
public final class TracePipeline {
    let decoder: EventDecoder
    let cache: ProcessCache
    let writer: EventWriter
    /// Rules: which events to write and which alerts they raise (nil: write all).
    let judge: ((TraceEvent) -> Verdict)?
    public private(set) var counts: [EventKind: Int] = [:]
    public private(set) var undecodable = 0
    /// Events a policy chose not to write (counted, not lost).
    public private(set) var filtered = 0

    public init(decoder: EventDecoder, cache: ProcessCache, writer: EventWriter, judge: ((TraceEvent) -> Verdict)? = nil) {
        self.decoder = decoder
        self.cache = cache
        self.writer = writer
        self.judge = judge
    }

    /// One ring buffer record, valid only during the call.
    public func consume(_ record: UnsafeRawBufferPointer) {
        guard var event = decoder.decode(record) else {
            undecodable += 1
            return
        }
        counts[event.kind, default: 0] += 1
        if case .process(let p) = event { cache.apply(p) }
        let exe = cache.current(event.header.pid, comm: event.header.comm)?.exe ?? ""
        switch event {
        case .process(var e): e.header.exe = exe; event = .process(e)
        case .syscall(var e): e.header.exe = exe; event = .syscall(e)
        case .network(var e): e.header.exe = e.ownerKnown ? exe : ""; event = .network(e)
        }
        if let judge {
            let verdict = judge(event)
            if verdict.write { writer.write(event, alerts: verdict.alerts) } else { filtered += 1 }
        } else {
            writer.write(event)
        }
        if case .process(let p) = event { cache.forget(p) }
    }

    public func flush() { writer.flush() }
}
