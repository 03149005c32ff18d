import Synchronization

/// A bounded FIFO shared between a producer and a consumer (the profiler and a
/// reporter). When it is full the oldest element is overwritten and counted: a
/// slow or absent consumer costs old profiles, never unbounded memory.
public final class BoundedQueue<Element: Sendable>: Sendable {
    private struct State {
        var elements: [Element?]
        var head = 0
        var count = 0
        var dropped: UInt64 = 0
    }
    private let state: Mutex<State>
    public let capacity: Int
    /// One signal per push (at most one waiting), for a consumer that awaits elements
    /// instead of polling; a consumer that polls never reads it and it never grows.
    private let pushes = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    public init(capacity: Int) {
        precondition(capacity > 0, "a queue holds at least one element")
        self.capacity = capacity
        state = Mutex(State(elements: Array(repeating: nil, count: capacity)))
    }

    /// Yields after pushes (several may be folded into one): pop until nil each time.
    /// For one consumer; an AsyncStream has one iterator.
    public var arrivals: AsyncStream<Void> { pushes.stream }

    /// Append; when full, the oldest element is dropped first. Returns whether one was.
    @discardableResult
    public func push(_ element: Element) -> Bool {
        defer { pushes.continuation.yield() }
        return state.withLock { s in
            var overwrote = false
            if s.count == capacity {
                s.head = (s.head + 1) % capacity
                s.count -= 1
                s.dropped += 1
                overwrote = true
            }
            s.elements[(s.head + s.count) % capacity] = element
            s.count += 1
            return overwrote
        }
    }

    /// The oldest element, removed.
    public func pop() -> Element? {
        state.withLock { s in
            guard s.count > 0 else { return nil }
            let e = s.elements[s.head]
            s.elements[s.head] = nil
            s.head = (s.head + 1) % capacity
            s.count -= 1
            return e
        }
    }

    /// Everything queued, oldest first.
    public func popAll() -> [Element] {
        var out: [Element] = []
        while let e = pop() { out.append(e) }
        return out
    }

    public var count: Int { state.withLock { $0.count } }
    /// Elements overwritten because the queue was full.
    public var dropped: UInt64 { state.withLock { $0.dropped } }
}
