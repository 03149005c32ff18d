/// One schedule line of a crontab file.
public struct CronEntry: Sendable, Equatable {
    /// "@reboot", "@daily"...: the special that replaces the five time fields, else "".
    public var event = ""
    public var minute = ""
    public var hour = ""
    public var dayOfMonth = ""
    public var month = ""
    public var dayOfWeek = ""
    /// Everything after the schedule, words joined by one space. In system crontabs
    /// (/etc/crontab, /etc/cron.d) this starts with the user name, as osquery keeps it.
    public var command = ""
    public var path = ""

    public init(event: String = "", minute: String = "", hour: String = "", dayOfMonth: String = "",
                month: String = "", dayOfWeek: String = "", command: String = "", path: String = "") {
        self.event = event; self.minute = minute; self.hour = hour; self.dayOfMonth = dayOfMonth
        self.month = month; self.dayOfWeek = dayOfWeek; self.command = command; self.path = path
    }
}

/// Reader for system and per-user crontab files.
public enum Crontab {
    /// The system table, the drop-in directory, and per-user spool directories
    /// (Debian's crontabs/ and the plain spool used elsewhere).
    public static let systemFile = "/etc/crontab"
    public static let directories = ["/etc/cron.d", "/var/spool/cron/crontabs", "/var/spool/cron"]

    /// Every crontab file that exists: /etc/crontab, then regular files in each directory.
    public static func files() -> [String] {
        var out: [String] = []
        if FileSystem.exists(systemFile) { out.append(systemFile) }
        for dir in directories {
            guard let names = try? FileSystem.list(dir) else { continue }
            for name in names.sorted() {
                let path = dir + "/" + name
                if let st = try? FileSystem.status(path), FileKind(mode: st.st_mode) == .regular { out.append(path) }
            }
        }
        return out
    }

    /// The schedule lines of one file.
    public static func read(_ path: String) throws(SystemError) -> [CronEntry] {
        parse(try FileSystem.readText(path, limit: 16 << 20), path: path)
    }

    /// Comments, blank lines and environment assignments (NAME=value) are skipped.
    public static func parse(_ text: String, path: String) -> [CronEntry] {
        var entries: [CronEntry] = []
        for line in FileSystem.lines(text) {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = words.first, !first.hasPrefix("#") else { continue }
            var entry = CronEntry(path: path)
            if first.hasPrefix("@") {
                entry.event = String(first)
                entry.command = words.dropFirst().joined(separator: " ")
            } else {
                if isAssignment(line) || words.count < 6 { continue }
                entry.minute = String(words[0])
                entry.hour = String(words[1])
                entry.dayOfMonth = String(words[2])
                entry.month = String(words[3])
                entry.dayOfWeek = String(words[4])
                entry.command = words.dropFirst(5).joined(separator: " ")
            }
            entries.append(entry)
        }
        return entries
    }

    /// `NAME = value` before any whitespace-separated schedule field would contain '='.
    static func isAssignment(_ line: Substring) -> Bool {
        guard let eq = line.firstIndex(of: "=") else { return false }
        let name = line[..<eq].trimmingCharacters()
        return !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
