import Glibc

/// osquery's math functions. They replace SQLite's built-in ones of the same
/// names, whose results differ: SQLite's log(x) is base 10 where osquery's is
/// natural, and osquery's ceil/floor return integers.
enum MathFunctions {
    static let all: [SQLFunction] = [
        unary("sqrt", Glibc.sqrt), unary("acos", Glibc.acos), unary("asin", Glibc.asin), unary("atan", Glibc.atan),
        unary("cos", Glibc.cos), unary("sin", Glibc.sin), unary("tan", Glibc.tan), unary("cot") { 1 / Glibc.tan($0) },
        unary("exp", Glibc.exp), unary("log", Glibc.log), unary("log10", Glibc.log10),
        unary("degrees") { $0 * 180 / Double.pi }, unary("radians") { $0 * Double.pi / 180 },
        SQLFunction("power", 2) { args throws(FunctionError) in
            guard !args.isNull(0), !args.isNull(1) else { return .null }
            let (x, y) = (args.double(0), args.double(1))
            return try checked(Glibc.pow(x, y), from: [x, y])
        },
        rounded("ceil", Glibc.ceil), rounded("floor", Glibc.floor),
        SQLFunction("pi", 0) { _ in .double(Double.pi) },
    ]

    /// A double → double function; NULL stays NULL.
    static func unary(_ name: String, _ f: @escaping @Sendable (Double) -> Double) -> SQLFunction {
        SQLFunction(name, 1) { args throws(FunctionError) in
            guard !args.isNull(0) else { return .null }
            let x = args.double(0)
            return try checked(f(x), from: [x])
        }
    }

    /// osquery reports the C library's errno as the error: a domain error (sqrt(-1))
    /// or a pole/overflow (log(0), exp(1000)). Those are exactly the NaN results of
    /// finite inputs and the infinite results of finite inputs.
    static func checked(_ result: Double, from inputs: [Double]) throws(FunctionError) -> SQLValue {
        if inputs.allSatisfy(\.isFinite) {
            if result.isNaN { throw FunctionError(String(cString: strerror(EDOM))) }
            if result.isInfinite { throw FunctionError(String(cString: strerror(ERANGE))) }
        }
        return .double(result)
    }

    /// ceil/floor: an integer comes back unchanged, anything else is rounded to one.
    static func rounded(_ name: String, _ f: @escaping @Sendable (Double) -> Double) -> SQLFunction {
        SQLFunction(name, 1) { args in
            if args.isNull(0) { return .null }
            if args.isInteger(0) { return .integer(args.int64(0)) }
            let r = f(args.double(0))
            return r.isFinite ? .integer(Int64(max(min(r, 9.2e18), -9.2e18))) : .null
        }
    }
}
