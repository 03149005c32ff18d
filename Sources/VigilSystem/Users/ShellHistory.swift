/// One command from a shell history file.
public struct HistoryEntry: Sendable, Equatable {
    /// Seconds since the epoch when the shell recorded it, 0 when the file has no timestamps.
    public let time: Int64
    public let command: String

    public init(time: Int64, command: String) {
        self.time = time
        self.command = command
    }
}

/// Reader for bash, zsh and sh history files.
public enum ShellHistory {
    /// History files looked for in each home directory.
    public static let fileNames = [".bash_history", ".zsh_history", ".zhistory", ".sh_history", ".history"]

    /// Bytes read of one history file at most: bounded, as the file is the user's.
    public static let sizeLimit = 64 << 20

    /// Handles the three layouts found in practice:
    /// - plain: one command per line;
    /// - bash with HISTTIMEFORMAT: a `#<epoch>` line before the command it dates;
    /// - zsh EXTENDED_HISTORY: `: <epoch>:<duration>;<command>`.
    public static func parse(_ text: String) -> [HistoryEntry] {
        var entries: [HistoryEntry] = []
        var pendingTime: Int64 = 0
        for line in FileSystem.lines(text) {
            if let stamp = bashTimestamp(line) {
                pendingTime = stamp
                continue
            }
            if let (time, command) = zshExtended(line) {
                entries.append(HistoryEntry(time: time, command: command))
            } else {
                entries.append(HistoryEntry(time: pendingTime, command: String(line)))
            }
            pendingTime = 0
        }
        return entries
    }

    /// `#1700000000`: bash's timestamp comment (only digits after '#').
    static func bashTimestamp(_ line: Substring) -> Int64? {
        guard line.first == "#" else { return nil }
        let digits = line.dropFirst()
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits)
    }

    /// `: 1700000000:0;command` → (1700000000, "command").
    static func zshExtended(_ line: Substring) -> (Int64, String)? {
        guard line.hasPrefix(":"), let semicolon = line.firstIndex(of: ";") else { return nil }
        let header = line[line.index(after: line.startIndex)..<semicolon].drop(while: { $0 == " " })
        let parts = header.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let time = Int64(parts[0]), Int64(parts[1]) != nil else { return nil }
        return (time, String(line[line.index(after: semicolon)...]))
    }
}
