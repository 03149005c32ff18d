import CVigilBPF
import Glibc

/// A BPF ring buffer consumer (ring_buffer__new/poll). Records are handed to
/// `handler` in place, valid only during the call: decode, do not keep.
public final class RingBuffer {
    private var handle: OpaquePointer?
    private let handler: (UnsafeRawBufferPointer) -> Void

    public init(map: BPFMap, handler: @escaping (UnsafeRawBufferPointer) -> Void) throws(BPFError) {
        self.handler = handler
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let rb = ring_buffer__new(map.fileDescriptor, { ctx, data, size in
            let me = Unmanaged<RingBuffer>.fromOpaque(ctx!).takeUnretainedValue()
            me.handler(UnsafeRawBufferPointer(start: data, count: Int(size)))
            return 0
        }, context, nil) else {
            throw BPFError.from("create ring buffer on \(map.name)", code: errno, feature: "BPF ring buffer")
        }
        handle = rb
    }

    deinit { ring_buffer__free(handle) }

    /// Wait up to `timeoutMilliseconds` for records and consume them; returns how many.
    /// An interrupted wait (EINTR) counts as zero records, not an error.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32) throws(BPFError) -> Int {
        let n = ring_buffer__poll(handle, timeoutMilliseconds)
        if n == -EINTR { return 0 }
        if n < 0 { throw BPFError.from("poll ring buffer", code: n) }
        return Int(n)
    }

    /// Consume whatever is there now without waiting.
    @discardableResult
    public func drain() -> Int { Int(max(0, ring_buffer__consume(handle))) }
}
