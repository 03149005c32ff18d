import Glibc
import VigilSQL
import VigilSystem

/// The file-based half of `systemd_units`, for hosts where no systemd manager runs
/// (sd_booted(3) false): the unit files in systemd's folders, in its order of
/// precedence (the first file of a name wins), as `systemctl list-unit-files` lists
/// them, each `inactive` and `dead` since nothing can have started it.
extension SystemdUnitsTable {
    /// systemd's system unit folders, highest precedence first (systemd.unit(5)).
    static let unitDirectories = [
        "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
        "/run/systemd/generator.early", "/etc/systemd/system", "/run/systemd/system",
        "/run/systemd/generator", "/usr/local/lib/systemd/system", "/lib/systemd/system",
        "/usr/lib/systemd/system", "/run/systemd/generator.late",
    ]
    static let unitSuffixes = [".service", ".socket", ".target", ".timer", ".mount", ".automount", ".path", ".slice", ".scope", ".swap", ".device"]

    /// The rows from the unit files: inactive and dead when no manager runs; with
    /// states, jobs and `following` NULL when one runs but cannot be asked (no libsystemd).
    func fileRows(_ context: QueryContext, managerRuns: Bool) -> RowSequence {
        var seenDirectories = Set<String>(), seenUnits = Set<String>()
        var units: [(id: String, path: String, directory: String)] = []
        for dir in Self.unitDirectories {
            // /lib is /usr/lib on merged-/usr systems: read each real folder once.
            guard let real = Self.realPath(dir), seenDirectories.insert(real).inserted,
                  let names = try? FileSystem.list(dir) else { continue }
            // Templates (getty@.service) are unit files but never units of their own.
            for name in names.sorted() where Self.unitSuffixes.contains(where: name.hasSuffix) && !name.contains("@.")
                && seenUnits.insert(name).inserted {
                units.append((name, dir + "/" + name, dir))
            }
        }
        let wantsText = context.isAnyUsed("description", "user", "unit_file_state")
        let enabledLinks = context.isUsed("unit_file_state") ? Self.enabledLinks() : []
        return RowSequence(units) { unit in
            var row = Row(schema)
            row["id"] = .text(unit.id)
            let target = Self.realPath(unit.path)
            let masked = target == "/dev/null" || ((try? FileSystem.status(unit.path))?.st_size == 0 && target != nil)
            row["load_state"] = .text(masked ? "masked" : "loaded")
            row["object_path"] = .text("/org/freedesktop/systemd1/unit/" + Self.busLabel(unit.id))
            row["fragment_path"] = .text(masked ? "" : target ?? unit.path)
            row["source_path"] = .text(unit.directory.hasPrefix("/run/systemd/generator") ? unit.path : "")
            row["description"] = .text("")
            row["user"] = .text("")
            if masked { row["unit_file_state"] = .text("masked") }
            if !managerRuns {
                row["active_state"] = .text("inactive")
                row["sub_state"] = .text("dead")
            }
            if wantsText, !masked, let text = FileSystem.readTextIfPresent(unit.path) {
                let values = Self.values(text)
                row["description"] = .text(values["Unit.Description"] ?? "")
                row["user"] = .text(values["Service.User"] ?? "")
                row["unit_file_state"] = .text(Self.fileState(unit.id, path: unit.path, target: target, values, enabledLinks))
            }
            return row
        }
    }

    /// systemctl's unit file state, for an unmasked file: an alias when it is a link
    /// to a unit of another name; static without an [Install] section; enabled when
    /// a .wants/.requires/.upholds folder (or an Alias= link) of /etc/systemd/system
    /// names it; indirect when only Also= could enable it; disabled otherwise.
    static func fileState(_ id: String, path: String, target: String?, _ values: [String: String], _ enabledLinks: Set<String>) -> String {
        if let target, target.split(separator: "/").last.map(String.init) != id { return "alias" }
        let install = ["WantedBy", "RequiredBy", "UpheldBy", "Alias"].compactMap { values["Install." + $0] }.filter { !$0.isEmpty }
        let also = values["Install.Also"].map { !$0.isEmpty } ?? false
        if install.isEmpty && !also { return "static" }
        if enabledLinks.contains(id) { return "enabled" }
        let aliases = (values["Install.Alias"] ?? "").split(separator: " ").map(String.init)
        if aliases.contains(where: { FileSystem.exists("/etc/systemd/system/" + $0) }) { return "enabled" }
        return install.isEmpty ? "indirect" : "disabled"
    }

    /// Names of the links in /etc/systemd/system/*.{wants,requires,upholds}: the units `systemctl enable` enabled.
    static func enabledLinks() -> Set<String> {
        let root = "/etc/systemd/system"
        var names = Set<String>()
        for dir in (try? FileSystem.list(root)) ?? [] where dir.hasSuffix(".wants") || dir.hasSuffix(".requires") || dir.hasSuffix(".upholds") {
            names.formUnion((try? FileSystem.list(root + "/" + dir)) ?? [])
        }
        return names
    }

    /// realpath(3): the folder or file with every link resolved; nil when missing.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// "Section.Key" → the last value of each key in the unit file (later ones override).
    static func values(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var section = ""
        for raw in FileSystem.lines(text) {
            let line = raw.trimmingCharacters()
            if line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") { section = String(line.dropFirst().dropLast()); continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[section + "." + line[..<eq].trimmingCharacters()] = line[line.index(after: eq)...].trimmingCharacters()
        }
        return out
    }

    /// The unit's name as a D-Bus object path label (sd_bus_path_encode): letters
    /// and digits kept, every other byte as _XX in lower-case hex.
    static func busLabel(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber) { out.append(c) } else { out += "_" + String(byte, radix: 16).leftPadded(2) }
        }
        return out
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
