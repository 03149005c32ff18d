/// /proc/meminfo: "Key:   123 kB" lines, converted to bytes.
public enum MemInfo {
    public static func read() throws(SystemError) -> [String: Int64] {
        parse(try FileSystem.readText("/proc/meminfo"))
    }

    /// Values in bytes; lines without a "kB" unit (HugePages_Total) are counts and kept as is.
    public static func parse(_ text: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for line in FileSystem.lines(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let parts = line[line.index(after: colon)...].split(separator: " ")
            guard let first = parts.first, let n = Int64(first) else { continue }
            out[String(line[..<colon])] = parts.count > 1 && parts[1] == "kB" ? n * 1024 : n
        }
        return out
    }
}
