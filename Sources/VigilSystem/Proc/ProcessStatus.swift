/// The fields Vigil uses from /proc/PID/status: ids and memory.
public struct ProcessStatus: Sendable, Equatable {
    /// Real, effective, saved and filesystem ids (the Uid:/Gid: lines).
    public var uids: [Int64] = []
    public var gids: [Int64] = []
    /// Memory in bytes (the status file reports kB).
    public var virtualBytes: Int64 = 0
    public var residentBytes: Int64 = 0
    public var lockedBytes: Int64 = 0
    public var threads: Int64 = 0
    public var parent: Int64 = 0

    public static func read(_ pid: Int32) throws(SystemError) -> ProcessStatus {
        parse(try FileSystem.readText("\(ProcFS.root)/\(pid)/status", limit: 16 << 10))
    }

    public static func parse(_ text: String) -> ProcessStatus {
        var s = ProcessStatus()
        for line in FileSystem.lines(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon]
            let fields = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            switch key {
            case "Uid": s.uids = fields.compactMap { Int64($0) }
            case "Gid": s.gids = fields.compactMap { Int64($0) }
            case "VmSize": s.virtualBytes = (Int64(fields.first ?? "") ?? 0) * 1024
            case "VmRSS": s.residentBytes = (Int64(fields.first ?? "") ?? 0) * 1024
            case "VmLck": s.lockedBytes = (Int64(fields.first ?? "") ?? 0) * 1024
            case "Threads": s.threads = Int64(fields.first ?? "") ?? 0
            case "PPid": s.parent = Int64(fields.first ?? "") ?? 0
            default: break
            }
        }
        return s
    }
}
