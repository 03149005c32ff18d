import CSQLite

/// A failed call of a SQL function: SQLite reports `message` as the statement's error.
public struct FunctionError: Error, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// The arguments of one call, read the way SQLite converts them (a number's text
/// is SQLite's own rendering, as osquery's functions see it).
public struct FunctionArguments {
    let argv: UnsafeMutablePointer<OpaquePointer?>?
    public let count: Int

    func raw(_ i: Int) -> OpaquePointer? { argv?[i] }

    public func isNull(_ i: Int) -> Bool { sqlite3_value_type(raw(i)) == SQLITE_NULL }
    public func isInteger(_ i: Int) -> Bool { sqlite3_value_type(raw(i)) == SQLITE_INTEGER }
    public func isText(_ i: Int) -> Bool { sqlite3_value_type(raw(i)) == SQLITE_TEXT }
    public func isNumber(_ i: Int) -> Bool { [SQLITE_INTEGER, SQLITE_FLOAT].contains(sqlite3_value_type(raw(i))) }

    /// The argument's bytes as text (numbers rendered by SQLite), or nil for NULL.
    public func bytes(_ i: Int) -> [UInt8]? {
        guard !isNull(i), let p = sqlite3_value_text(raw(i)) else { return nil }
        return Array(UnsafeBufferPointer(start: p, count: Int(sqlite3_value_bytes(raw(i)))))
    }

    public func text(_ i: Int) -> String? { bytes(i).map { String(decoding: $0, as: UTF8.self) } }
    public func int64(_ i: Int) -> Int64 { sqlite3_value_int64(raw(i)) }
    public func double(_ i: Int) -> Double { sqlite3_value_double(raw(i)) }
}

/// A scalar SQL function written in Swift, registered on every `Database`.
public struct SQLFunction: Sendable {
    public let name: String
    /// Number of arguments; -1 takes any number.
    public let arity: Int32
    public let body: @Sendable (FunctionArguments) throws(FunctionError) -> SQLValue

    public init(_ name: String, _ arity: Int32, _ body: @escaping @Sendable (FunctionArguments) throws(FunctionError) -> SQLValue) {
        self.name = name
        self.arity = arity
        self.body = body
    }

    /// osquery's functions (string, encoding, hashing, network, math, path), with its
    /// names, argument orders and results.
    public static let osquery: [SQLFunction] = StringFunctions.all + EncodingFunctions.all + NetworkFunctions.all
        + MathFunctions.all + PathFunctions.all + VersionFunctions.all
}

/// Holds a function's body for SQLite's user-data pointer (released by xDestroy).
final class FunctionBox {
    let function: SQLFunction
    init(_ function: SQLFunction) { self.function = function }
}

extension SQLValue {
    /// Hand this value to SQLite as the result of a column or function call.
    func setResult(_ ctx: OpaquePointer?) {
        switch self {
        case .null: sqlite3_result_null(ctx)
        case .integer(let v): sqlite3_result_int64(ctx, v)
        case .double(let v): sqlite3_result_double(ctx, v)
        case .text(let v):
            var v = v
            v.withUTF8 { buf in
                // An empty buffer may have no base address; SQLite would read that as NULL.
                if buf.isEmpty {
                    sqlite3_result_text(ctx, "", 0, vigil_sqlite_static())
                } else {
                    buf.withMemoryRebound(to: CChar.self) {
                        sqlite3_result_text(ctx, $0.baseAddress, Int32($0.count), vigil_sqlite_transient())
                    }
                }
            }
        case .blob(let v):
            v.withUnsafeBytes { sqlite3_result_blob(ctx, $0.baseAddress, Int32($0.count), vigil_sqlite_transient()) }
        }
    }

    /// Text when the bytes are UTF-8, else a blob (from_base64 of binary data).
    static func textOrBlob(_ bytes: [UInt8]) -> SQLValue {
        if let s = String(validating: bytes, as: UTF8.self) { return .text(s) }
        return .blob(bytes)
    }
}

extension Database {
    /// Register `function` (SQLITE_DETERMINISTIC: the same arguments give the same result).
    func register(_ function: SQLFunction) throws(SQLError) {
        let box = Unmanaged.passRetained(FunctionBox(function)).toOpaque()
        let rc = sqlite3_create_function_v2(
            handle, function.name, function.arity, SQLITE_UTF8 | SQLITE_DETERMINISTIC, box,
            { ctx, argc, argv in
                let box = Unmanaged<FunctionBox>.fromOpaque(sqlite3_user_data(ctx)!).takeUnretainedValue()
                do {
                    try box.function.body(FunctionArguments(argv: argv, count: Int(argc))).setResult(ctx)
                } catch let error as FunctionError {
                    sqlite3_result_error(ctx, error.message, -1)
                } catch {
                    sqlite3_result_error(ctx, "\(error)", -1)
                }
            }, nil, nil,
            { box in box.map { Unmanaged<FunctionBox>.fromOpaque($0).release() } })
        if rc != SQLITE_OK { throw SQLError.from(handle, code: rc) }
    }
}
