/// /proc/loadavg: the 1, 5 and 15 minute run-queue averages.
public struct LoadAverage: Sendable, Equatable {
    /// The averages as the kernel prints them ("0.15"), in 1m, 5m, 15m order.
    public var values: [String]

    public static func read() throws(SystemError) -> LoadAverage {
        let text = try FileSystem.readText("/proc/loadavg")
        guard let parsed = parse(text) else { throw SystemError("parse", path: "/proc/loadavg", errno: 74 /* EBADMSG */) }
        return parsed
    }

    public static func parse(_ text: String) -> LoadAverage? {
        let f = text.split(separator: " ")
        guard f.count >= 3 else { return nil }
        return LoadAverage(values: f[0..<3].map(String.init))
    }
}
