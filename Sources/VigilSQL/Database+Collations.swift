import CSQLite

extension Database {
    /// osquery's version collations, so a column declared `COLLATE version_dpkg` (and a
    /// query's own `COLLATE version`) compares as osquery does. The ordering travels in
    /// the context pointer as its position in `VersionOrder.allCases`, plus one.
    func registerCollations() throws(SQLError) {
        for (i, order) in VersionOrder.allCases.enumerated() {
            let rc = sqlite3_create_collation_v2(handle, order.rawValue, SQLITE_UTF8, UnsafeMutableRawPointer(bitPattern: i + 1), { ctx, n1, p1, n2, p2 in
                let order = VersionOrder.allCases[Int(bitPattern: ctx) - 1]
                let a = UnsafeRawBufferPointer(start: p1, count: Int(n1)).bindMemory(to: UInt8.self)
                let b = UnsafeRawBufferPointer(start: p2, count: Int(n2)).bindMemory(to: UInt8.self)
                return Int32(clamping: order.compare(a, b))
            }, nil)
            if rc != SQLITE_OK { throw SQLError.from(handle, code: rc) }
        }
    }
}
