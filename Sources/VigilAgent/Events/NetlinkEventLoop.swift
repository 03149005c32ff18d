import VigilSystem

/// The read loop of a netlink event source: wait for a datagram (half a second at most,
/// to see `stop`), hand it to `handle` with the time it came, count overflows (the
/// kernel dropped messages: it does not say how many, so one overflow counts once) as
/// lost in the kernel, and expire the stores' old events every 10 s.
enum NetlinkEventLoop {
    static func run(_ socket: NetlinkSocket, stores: [EventStore], until stop: ReaderThreadService.StopFlag,
                    bufferBytes: Int = 64 << 10, _ handle: (UnsafeRawBufferPointer, _ now: Int64) -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferBytes, alignment: 8)
        defer { buffer.deallocate() }
        var overflows: UInt64 = 0
        var lastExpiry: Int64 = 0
        while !stop.isSet {
            let now = Clock.realtimeNanoseconds() / 1_000_000_000
            if now - lastExpiry >= 10 {
                lastExpiry = now
                stores.forEach { $0.expire(now: now) }
            }
            switch try socket.receive(into: buffer, timeoutMilliseconds: 500) {
            case .none: continue
            case .overflowed:
                overflows += 1
                stores.forEach { $0.noteTracer(active: true, lostInKernel: overflows) }
            case .message(let data): handle(data, now)
            }
        }
    }
}
