import VigilSystem

/// The user-space path of every record: decode in place → process cache →
/// output, counting what it saw. The ring buffer callback runs this; the
/// throughput benchmark feeds it records directly.
public final class TracePipeline {
    let writer: EventWriter
    public private(set) var counts: [ProcessEvent.Kind: Int] = [:]
    public private(set) var undecodable = 0

    public init(writer: EventWriter) { self.writer = writer }

    /// One ring buffer record, valid only during the call.
    public func consume(_ record: UnsafeRawBufferPointer) {
        guard let event = ProcessEventDecoder.decode(record) else {
            undecodable += 1
            return
        }
        counts[event.kind, default: 0] += 1
        writer.write(event)
    }

    public func flush() { writer.flush() }
}
