import Testing
import VigilSQL
@testable import VigilAgent
import VigilTestSupport

/// Issue 19, item 6: an event store held up to twice `events_max` (dropped events were
/// freed only when half were dropped), and nothing bounded its bytes: an exec storm
/// with 4 KB command lines grew the worker toward the watchdog's limit.
@Suite(.ownThread) struct EventStoreBoundsTests {
    /// An exec event as process_events holds it, with a command line of `size` bytes.
    func event(_ i: Int, size: Int = 4096) -> [SQLValue] {
        [.integer(Int64(i)), .text("/usr/bin/true"), .text(String(repeating: "x", count: size)), .integer(1000)]
    }

    /// After every add of 3,000 events into 1,000 rows, exactly min(n, 1,000) are held,
    /// no more (the old store held 2,023 at n = 2,023), and a scan gives the newest.
    @Test func rowsAreBoundedExactly() {
        let store = EventStore(name: "process_events", capacity: 1000, maxBytes: 1 << 30)
        for i in 1...3000 {
            store.add(time: 100, values: event(i))
            if i % 7 == 0 || i > 2990 {
                #expect(store.heldEvents == min(i, 1000), "held \(store.heldEvents) after \(i)")
                #expect(store.counters.buffered == min(i, 1000))
            }
        }
        #expect(store.counters.overflowed == 2000)
        #expect(store.scan().map(\.eid) == Array(2001...3000))
    }

    /// With room for 50,000 rows but 1 MiB, 4 KB events are bounded by bytes: never
    /// over 1 MiB as counted, as many as fit, the newest, and the rest counted dropped.
    @Test func bytesAreBoundedExactly() {
        let store = EventStore(name: "process_events", capacity: 50_000, maxBytes: 1 << 20)
        let cost = EventStore.cost(event(0))
        let fit = (1 << 20) / cost
        for i in 1...4000 {
            store.add(time: 100, values: event(i))
            #expect(store.counters.bufferedBytes <= 1 << 20)
        }
        let c = store.counters
        #expect(c.buffered == fit && c.bufferedBytes == fit * cost)
        #expect(c.overflowed == UInt64(4000 - fit) && c.seen == 4000)
        #expect(store.heldEvents == fit)
        #expect(store.scan().map(\.eid) == Array(Int64(4000 - fit + 1)...4000))
        // One event larger than the whole store is dropped, not kept, and counted.
        store.add(time: 100, values: event(0, size: 2 << 20))
        #expect(store.counters.buffered == fit && store.counters.overflowed == UInt64(4000 - fit + 1))
    }

    /// Expiry frees from the oldest, in a ring that has wrapped.
    @Test func expiryAfterTheRingWrapped() {
        let store = EventStore(name: "process_events", capacity: 10, maxBytes: 1 << 30, expirySeconds: 60)
        for i in 1...25 { store.add(time: Int64(i), values: event(i, size: 10)) }
        store.expire(now: 80)  // drops time < 20: events 16...19
        #expect(store.scan().map(\.eid) == Array(20...25))
        #expect(store.heldEvents == 6 && store.counters.expired == 4)
        for i in 26...40 { store.add(time: Int64(i), values: event(i, size: 10)) }
        #expect(store.scan().map(\.eid) == Array(31...40))
        #expect(store.heldEvents == 10)
    }
}
