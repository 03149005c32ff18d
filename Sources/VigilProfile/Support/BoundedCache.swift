/// Per-binary tables kept up to a number of bytes and of entries (each may hold an
/// open file). Past either limit the least recently used go, down to three quarters
/// of the limits, and are read again by the caller if needed again. A value's size
/// is asked when evicting, since tables grow after they are cached.
final class BoundedCache<Key: Hashable, Value> {
    private final class Slot {
        let value: Value
        var lastUse: UInt64
        init(_ value: Value, _ lastUse: UInt64) { (self.value, self.lastUse) = (value, lastUse) }
    }

    let limitBytes: Int
    let limitEntries: Int
    private let size: (Value) -> Int
    private var slots: [Key: Slot] = [:]
    private var clock: UInt64 = 0
    private(set) var evicted = 0

    init(limitBytes: Int, limitEntries: Int, size: @escaping (Value) -> Int) {
        self.limitBytes = limitBytes
        self.limitEntries = limitEntries
        self.size = size
    }

    var count: Int { slots.count }
    var bytes: Int { slots.values.reduce(0) { $0 + size($1.value) } }

    /// The value, marked as just used (no dictionary write: the slot is a class).
    subscript(key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        clock += 1
        slot.lastUse = clock
        return slot.value
    }

    func insert(_ value: Value, for key: Key) {
        clock += 1
        slots[key] = Slot(value, clock)
        // Summed afresh (a few hundred entries, on a load only): tables grow once cached.
        var total = bytes
        guard total > limitBytes || slots.count > limitEntries else { return }
        for (other, slot) in slots.sorted(by: { $0.value.lastUse < $1.value.lastUse })
        where (total > limitBytes * 3 / 4 || slots.count > limitEntries * 3 / 4) && other != key {
            total -= size(slot.value)
            slots[other] = nil
            evicted += 1
        }
    }
}
