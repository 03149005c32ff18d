/// /proc/uptime: seconds since boot (including suspend) and idle seconds.
public enum Uptime {
    public static func seconds() throws(SystemError) -> Double {
        let text = try FileSystem.readText("/proc/uptime")
        guard let first = text.split(separator: " ").first, let v = Double(first) else {
            throw SystemError("parse", path: "/proc/uptime", errno: 74 /* EBADMSG */)
        }
        return v
    }
}
