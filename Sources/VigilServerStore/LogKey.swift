/// The embedded database's key for a stored log line: a 64-bit FNV-1a hash of its bytes,
/// indexed with the host. Lines were kept unique per host by an index on the whole line,
/// a copy of every line as large as the table itself; now a line is stored unless one of
/// the host's lines with the same key is the same text, which keeps the check exact (a
/// collision costs a comparison, never a line). PostgreSQL keys on its own md5 of the line.
enum LogKey {
    static func of(_ line: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in line.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        // 0 marks a line stored before keys existed (SQLiteSchema keys those when it adds the column).
        return hash == 0 ? 1 : Int64(bitPattern: hash)
    }
}
