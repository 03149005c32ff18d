import VigilOutputs
import VigilSQL

extension StateStore {
    func insertOutbox(name: String, epoch: Int64, counter: Int64, payload: [UInt8], position: LogPosition?) throws(SQLError) -> Int64 {
        try database.run("INSERT INTO outbox(name, epoch, counter, payload, log_inode, log_offset) VALUES (?, ?, ?, ?, ?, ?)", [
            .text(name), .integer(epoch), .integer(counter), .blob(payload),
            SQLValue(position?.inode), SQLValue(position?.offset),
        ])
        return database.lastInsertRowID
    }

    /// Results some output has not taken yet, oldest first.
    public func pendingOutbox() throws(SQLError) -> [OutboxItem] {
        try pendingOutbox(where: "1 ORDER BY id", [])
    }

    /// Outbox items chosen by a WHERE clause (with its ORDER BY and LIMIT).
    func pendingOutbox(where clause: String, _ arguments: [SQLValue]) throws(SQLError) -> [OutboxItem] {
        try database.rows("SELECT id, name, epoch, counter, payload, log_inode, log_offset FROM outbox WHERE \(clause)", arguments).map { r in
            var payload: [UInt8] = []
            if case .blob(let b) = r[4] { payload = b } else if case .text(let t) = r[4] { payload = Array(t.utf8) }
            let position = r[5].integer.flatMap { inode in r[6].integer.map { LogPosition(inode: inode, offset: $0) } }
            return OutboxItem(id: r[0].integer ?? 0, name: r[1].text ?? "", epoch: r[2].integer ?? 0,
                              counter: r[3].integer ?? 0, payload: payload, position: position)
        }
    }

    func setOutboxPosition(_ id: Int64, _ position: LogPosition) throws(SQLError) {
        try database.run("UPDATE outbox SET log_inode = ?, log_offset = ? WHERE id = ?", [.integer(position.inode), .integer(position.offset), .integer(id)])
    }

}
