import VigilSQL
import VigilSystem

/// `startup_items`: programs a desktop session starts at login, from the XDG
/// autostart entries (`*.desktop`) in /etc/xdg/autostart and each account's
/// ~/.config/autostart (where a user's entry of the same name overrides the
/// system's for that user).
public struct StartupItemsTable: VirtualTable {
    public let schema = TableSchema("startup_items", "Applications and binaries set as user/login startup items.", [
        Column("name", .text, "Name of startup item"),
        Column("path", .text, "Path of startup item"),
        Column("args", .text, "Arguments provided to startup executable"),
        Column("type", .text, "Startup Item or Login Item"),
        Column("source", .text, "Directory or plist containing startup item"),
        Column("status", .text, "Startup status; either enabled or disabled"),
        Column("username", .text, "The user associated with the startup item"),
    ])

    static let systemDirectory = "/etc/xdg/autostart"

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var sources: [(dir: String, user: String)] = [(Self.systemDirectory, "")]
        var seen = Set<String>()
        for account in (try? Passwd.read()) ?? [] where !account.home.isEmpty && seen.insert(account.home).inserted {
            sources.append((account.home + "/.config/autostart", account.name))
        }
        let entries = sources.lazy.flatMap { source in
            PathConstraints.entries(of: source.dir).lazy.filter { $0.hasSuffix(".desktop") }.map { (source, $0) }
        }
        return RowSequence(entries) { source, file in
            guard let text = FileSystem.readTextIfPresent(file) else { return nil }
            let entry = Self.desktopEntry(text)
            var row = Row(schema)
            row["name"] = .text(entry["Name"] ?? PathConstraints.fileName(of: file))
            // Exec= is a command line: the program, then its arguments.
            let exec = (entry["Exec"] ?? "").trimmingCharacters()
            let space = exec.firstIndex(of: " ") ?? exec.endIndex
            row["path"] = .text(String(exec[..<space]))
            row["args"] = .text(exec[space...].trimmingCharacters())
            row["type"] = .text("Startup Item")
            row["source"] = .text(source.dir)
            let disabled = entry["Hidden"] == "true" || entry["X-GNOME-Autostart-enabled"] == "false"
            row["status"] = .text(disabled ? "disabled" : "enabled")
            row["username"] = .text(source.user)
            return row
        }
    }

    /// The keys of a .desktop file's [Desktop Entry] group (the first value of each;
    /// localised keys such as Name[de] are kept under their own names).
    static func desktopEntry(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var inEntry = false
        for raw in FileSystem.lines(text) {
            let line = raw.trimmingCharacters()
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("[") { inEntry = line == "[Desktop Entry]"; continue }
            guard inEntry, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters()
            if out[key] == nil { out[key] = line[line.index(after: eq)...].trimmingCharacters() }
        }
        return out
    }
}
