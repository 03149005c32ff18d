/// The fields Vigil uses from /proc/PID/stat (proc(5)).
public struct ProcessStat: Sendable, Equatable {
    public var pid: Int32
    /// Command name (comm), at most 15 bytes.
    public var name: String
    public var state: Character
    public var parent: Int32
    public var processGroup: Int32
    public var session: Int32
    /// User and system CPU time in clock ticks.
    public var userTicks: Int64
    public var systemTicks: Int64
    public var nice: Int32
    public var threads: Int32
    /// Start time in clock ticks after boot.
    public var startTicks: Int64
    /// Virtual size in bytes and resident set in pages.
    public var virtualBytes: Int64
    public var residentPages: Int64
    /// Where the last exec put the program's code and its initial stack (0, or 1
    /// for startcode, when /proc hides them from a reader without ptrace access).
    public var startCode: UInt64 = 0
    public var startStack: UInt64 = 0

    /// Read and parse /proc/PID/stat.
    public static func read(_ pid: Int32) throws(SystemError) -> ProcessStat {
        try ProcessDirectory(pid).stat()
    }

    /// Parse the text of /proc/PID/stat. The command name is in parentheses and
    /// may itself contain spaces and ')', so fields are counted from the last ')'.
    public static func parse(_ bytes: [UInt8]) -> ProcessStat? {
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")), close > open else { return nil }
        let pid = Int32(decimal: bytes[..<open].dropLast()) ?? 0
        let name = String(decoding: bytes[(open + 1)..<close], as: UTF8.self)
        // Fields after ") ": index 0 is state (field 3 in proc(5)).
        let rest = bytes[(close + 2)...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard rest.count >= 22 else { return nil }
        func int(_ i: Int) -> Int64 { Int64(decimal: rest[i]) ?? 0 }
        return ProcessStat(
            pid: pid, name: name, state: Character(Unicode.Scalar(rest[0].first ?? UInt8(ascii: "?"))),
            parent: Int32(int(1)), processGroup: Int32(int(2)), session: Int32(int(3)),
            userTicks: int(11), systemTicks: int(12), nice: Int32(int(16)), threads: Int32(int(17)),
            startTicks: int(19), virtualBytes: int(20), residentPages: int(21),
            startCode: rest.count > 25 ? UInt64(decimal: rest[23]) ?? 0 : 0,
            startStack: rest.count > 25 ? UInt64(decimal: rest[25]) ?? 0 : 0)
    }
}

extension FixedWidthInteger {
    /// Parse ASCII decimal digits (with an optional leading '-') without allocating a String.
    init?(decimal bytes: some Collection<UInt8>) {
        var value: Self = 0
        var negative = false
        var any = false
        for (i, b) in bytes.enumerated() {
            if i == 0 && b == UInt8(ascii: "-") { negative = true; continue }
            guard b >= 48 && b <= 57 else { return nil }
            value = value &* 10 &+ Self(b - 48)
            any = true
        }
        guard any else { return nil }
        self = negative ? 0 &- value : value
    }
}
