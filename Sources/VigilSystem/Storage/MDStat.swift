/// /proc/mdstat, the kernel's summary of its software RAID (md) arrays, parsed
/// the way md.c's md_seq_show writes it:
///
///     Personalities : [raid1] [raid6] [raid5] [raid4]
///     md0 : active raid1 sdb1[1] sda1[0](F)
///           1046528 blocks super 1.2 [2/1] [_U]
///           [=>...................]  recovery =  8.5% (89344/1046528) finish=0.8min speed=22336K/sec
///           bitmap: 1/1 pages [4KB], 65536KB chunk
///
///     unused devices: <none>
public struct MDStat: Sendable, Equatable {
    /// Progress of one background activity (recovery, resync, reshape, check).
    public struct Activity: Sendable, Equatable {
        /// "8.5% (89344/1046528)", or the word after "resync=" (DELAYED, PENDING).
        public var progress = ""
        public var finish = ""
        public var speed = ""
    }

    public struct Bitmap: Sendable, Equatable {
        /// "1/1 pages [4KB]"
        public var onMemory = ""
        /// "65536KB chunk"
        public var chunkSize = ""
        /// The file after "file:", for an external bitmap.
        public var externalFile = ""
    }

    public struct Device: Sendable, Equatable {
        public var name = ""
        /// "active" or "inactive".
        public var status = ""
        /// "(read-only)", "(auto-read-only)" when present.
        public var readOnly = ""
        /// The personality ("raid1", "linear"); empty for an inactive array.
        public var level = ""
        /// Member devices as listed: "sdb1[1]", "sda1[0](F)".
        public var members: [String] = []
        /// Size in 1 KiB blocks.
        public var blocks: Int64?
        /// What the personality says after "blocks", without the [n/m] [UU] counts: "super 1.2 512k chunks".
        public var other = ""
        public var recovery: Activity?
        public var resync: Activity?
        public var reshape: Activity?
        public var check: Activity?
        public var bitmap: Bitmap?
    }

    public var personalities: [String] = []
    public var arrays: [Device] = []
    /// The text after "unused devices:" ("<none>").
    public var unusedDevices = ""

    public init() {}

    /// Reads `path` (normally /proc/mdstat); nil when the kernel has no md support (no file).
    public static func read(_ path: String = "/proc/mdstat") throws(SystemError) -> MDStat? {
        do { return parse(try FileSystem.readText(path)) } catch {
            if error.isGone { return nil }
            throw error
        }
    }

    public static func parse(_ text: String) -> MDStat {
        var stat = MDStat()
        var current: Device?
        func flush() { if let a = current { stat.arrays.append(a) }; current = nil }
        for raw in FileSystem.lines(text) {
            let line = raw.trimmingCharacters()
            if line.isEmpty { continue }
            if line.hasPrefix("Personalities :") {
                stat.personalities = line.dropFirst("Personalities :".count).split(separator: " ")
                    .filter { $0.hasPrefix("[") && $0.hasSuffix("]") }.map { String($0.dropFirst().dropLast()) }
            } else if line.hasPrefix("unused devices:") {
                flush()
                stat.unusedDevices = line.dropFirst("unused devices:".count).trimmingCharacters()
            } else if raw.first != " " && raw.first != "\t", let colon = line.firstIndex(of: ":"), line.hasPrefix("md") {
                flush()
                current = arrayLine(name: line[..<colon].trimmingCharacters(), String(line[line.index(after: colon)...]))
            } else if current != nil {
                detailLine(line, into: &current!)
            }
        }
        flush()
        return stat
    }

    /// "active raid1 sdb1[1] sda1[0](F)" or "inactive sdb[0](S)".
    static func arrayLine(name: String, _ rest: String) -> Device {
        var a = Device()
        a.name = name
        var words = rest.split(separator: " ").map(String.init)
        if !words.isEmpty { a.status = words.removeFirst() }
        if let first = words.first, first.hasPrefix("(") { a.readOnly = first; words.removeFirst() }
        if let first = words.first, !first.contains("[") { a.level = first; words.removeFirst() }
        a.members = words
        return a
    }

    /// The lines under an array: size, activities, bitmap.
    static func detailLine(_ line: String, into a: inout Device) {
        let words = line.split(separator: " ").map(String.init)
        if words.count >= 2, words[1] == "blocks", let n = Int64(words[0]) {
            a.blocks = n
            // The trailing "[2/1] [_U]" of redundant arrays are counts, not settings.
            var rest = words.dropFirst(2)
            while let last = rest.last, last.hasPrefix("["), last.hasSuffix("]") { rest = rest.dropLast() }
            a.other = rest.joined(separator: " ")
        } else if let r = line.firstRange(of: "bitmap:") {
            let parts = line[r.upperBound...].split(separator: ",", maxSplits: 2).map { $0.trimmingCharacters() }
            var b = Bitmap()
            if parts.count > 0 { b.onMemory = parts[0] }
            if parts.count > 1 { b.chunkSize = parts[1] }
            if parts.count > 2, let f = parts[2].firstRange(of: "file:") { b.externalFile = parts[2][f.upperBound...].trimmingCharacters() }
            a.bitmap = b
        } else if let r = line.firstRange(of: "resync=") {
            a.resync = Activity(progress: line[r.upperBound...].trimmingCharacters())
        } else {
            for (key, path) in [("recovery =", \Device.recovery), ("resync =", \Device.resync), ("reshape =", \Device.reshape), ("check =", \Device.check)] {
                if let r = line.firstRange(of: key) {
                    a[keyPath: path] = activity(String(line[r.upperBound...]))
                    return
                }
            }
        }
    }

    /// "8.5% (89344/1046528) finish=0.8min speed=22336K/sec"
    static func activity(_ text: String) -> Activity {
        var act = Activity()
        var progress: [String] = []
        for word in text.split(separator: " ") {
            if word.hasPrefix("finish=") { act.finish = String(word.dropFirst(7)) }
            else if word.hasPrefix("speed=") { act.speed = String(word.dropFirst(6)) }
            else { progress.append(String(word)) }
        }
        act.progress = progress.joined(separator: " ")
        return act
    }
}
