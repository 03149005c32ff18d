import CSQLite

/// An error from SQLite or from Vigil's SQL layer, with SQLite's result code and,
/// for syntax errors, the byte offset in the statement where SQLite stopped.
public struct SQLError: Error, CustomStringConvertible, Sendable, Equatable {
    public let code: Int32
    public let message: String
    /// Byte offset in the SQL text, when SQLite reports one.
    public let offset: Int?

    public init(code: Int32, message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(message) (at offset \(offset))" }
        return message
    }

    /// Whether the statement was stopped by sqlite3_interrupt (Ctrl-C, a deadline).
    public var isInterrupt: Bool { code & 0xff == SQLITE_INTERRUPT }

    /// The same error with its offset counted `bytes` further on, for a statement
    /// that starts `bytes` into a longer text.
    func shifted(by bytes: Int) -> SQLError {
        guard let offset, bytes != 0 else { return self }
        return SQLError(code: code, message: message, offset: offset + bytes)
    }

    /// The refusal of SQL text that holds a NUL byte, pointing at the first; nil when it
    /// has none. Checked wherever SQL enters (prepare, the agent's config).
    public static func nulByte(in sql: String) -> SQLError? {
        guard let at = sql.utf8.firstIndex(of: 0) else { return nil }
        let offset = sql.utf8.distance(from: sql.utf8.startIndex, to: at)
        return SQLError(code: SQLITE_ERROR, message: "SQL contains a NUL byte; remove it", offset: offset)
    }

    /// The error carried by a connection right now (sqlite3_errmsg / sqlite3_error_offset).
    static func from(_ db: OpaquePointer?, code: Int32) -> SQLError {
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        let offset = db.map { sqlite3_error_offset($0) } ?? -1
        return SQLError(code: code, message: message, offset: offset >= 0 ? Int(offset) : nil)
    }

    /// The part of `sql` around `offset`, with a caret under the position.
    public func pointer(in sql: String) -> String? {
        guard let offset else { return nil }
        let bytes = Array(sql.utf8)
        guard offset <= bytes.count else { return nil }
        var lineStart = offset
        while lineStart > 0 && bytes[lineStart - 1] != UInt8(ascii: "\n") { lineStart -= 1 }
        var lineEnd = offset
        while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        let line = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
        let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count
        return line + "\n" + String(repeating: " ", count: column) + "^"
    }
}
