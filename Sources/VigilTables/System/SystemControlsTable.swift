import Glibc
import VigilSQL
import VigilSystem

/// `system_controls`: kernel parameters under /proc/sys (what `sysctl -a` shows),
/// with the value the sysctl configuration files set. `name =` reads one file;
/// `subsystem =` walks only that folder (/proc/sys/net).
public struct SystemControlsTable: VirtualTable {
    public let schema = TableSchema("system_controls", "Kernel parameters under /proc/sys (sysctl), with the value the sysctl.d files set.", [
        Column("name", .text, "Full sysctl name, dot-separated (net.ipv4.ip_forward)", .index),
        Column("oid", .text, "Numeric MIB: always empty on Linux, which has none", .additional),
        Column("subsystem", .text, "First component of the name (kernel, net, vm, ...)", .additional),
        Column("current_value", .text, "Value read from /proc/sys, without its trailing newline"),
        Column("config_value", .text, "Value set in /etc/sysctl.conf or a sysctl.d file (the last one read wins), else empty"),
        Column("type", .text, "Data type: always empty on Linux, where every value is text"),
        .otherPlatform("field_name", .text, "macOS", "specific attribute of an opaque value"),
    ])
    let root: String

    public init() { self.init(root: "/proc/sys") }
    init(root: String) { self.root = root }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let config = context.isUsed("config_value") ? SysctlConfig.values() : [:]
        let names: [String]
        if let wanted = context.texts("name") {
            names = wanted
        } else if let subsystems = context.texts("subsystem") {
            // A value naming no folder of /proc/sys (empty, a path, "..") matches no row.
            names = subsystems.filter { !$0.isEmpty && !$0.contains("/") && $0 != "." && $0 != ".." }.flatMap { walk($0) }
        } else {
            names = walk("")
        }
        return RowSequence(names) { name in
            let path = root + "/" + Self.path(of: name)
            // Write-only (vm.compact_memory) and unreadable entries are skipped, as sysctl -a skips them.
            guard let bytes = try? FileSystem.read(path, limit: 1 << 20) else { return nil }
            guard let info = try? FileSystem.status(path), info.st_mode & S_IFMT == S_IFREG else { return nil }
            var row = Row(schema)
            var value = String(decoding: bytes, as: UTF8.self)
            while value.hasSuffix("\n") { value.removeLast() }
            row["name"] = .text(name)
            row["oid"] = ""
            row["subsystem"] = .text(String(name.split(separator: ".").first ?? ""))
            row["current_value"] = .text(value)
            row["config_value"] = .text(config[name] ?? "")
            row["type"] = ""
            return row
        }
    }

    /// Every parameter name below `relative` (a path under the root), depth first, sorted.
    func walk(_ relative: String) -> [String] {
        let dir = relative.isEmpty ? root : root + "/" + relative
        guard let entries = try? FileSystem.list(dir) else { return [] }
        var out: [String] = []
        for entry in entries.sorted() {
            let child = relative.isEmpty ? entry : relative + "/" + entry
            guard let info = try? FileSystem.status(root + "/" + child, followLinks: false) else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                out += walk(child)
            } else if info.st_mode & S_IFMT == S_IFREG {
                out.append(Self.name(of: child))
            }
        }
        return out
    }

    /// sysctl's naming: path separators become dots, and a dot inside one component
    /// (the VLAN interface eth0.1) becomes a slash.
    static func name(of path: String) -> String {
        String(path.map { $0 == "/" ? "." : $0 == "." ? "/" : $0 })
    }

    /// The inverse of `name(of:)` (the swap is its own inverse).
    static func path(of sysctlName: String) -> String { name(of: sysctlName) }
}

/// The sysctl configuration files in the order systemd-sysctl and `sysctl --system` read them.
enum SysctlConfig {
    static let directories = ["/usr/lib/sysctl.d", "/lib/sysctl.d", "/usr/local/lib/sysctl.d", "/run/sysctl.d", "/etc/sysctl.d"]

    /// Name → value; a name written with slashes (net/ipv4/ip_forward) is stored with dots.
    static func values() -> [String: String] {
        var files: [String] = []
        for dir in directories {
            files += ((try? FileSystem.list(dir)) ?? []).filter { $0.hasSuffix(".conf") }.sorted().map { dir + "/" + $0 }
        }
        return values(files: files + ["/etc/sysctl.conf"])
    }

    static func values(files: [String]) -> [String: String] {
        var out: [String: String] = [:]
        for file in files {
            guard let text = FileSystem.readTextIfPresent(file) else { continue }
            for line in FileSystem.lines(text) {
                let trimmed = line.drop(while: { $0 == " " || $0 == "\t" || $0 == "-" })
                guard let first = trimmed.first, first != "#", first != ";", let eq = trimmed.firstIndex(of: "=") else { continue }
                var key = String(trimmed[..<eq]).trimmingCharacters()
                let value = String(trimmed[trimmed.index(after: eq)...]).trimmingCharacters()
                if key.contains("/") && !key.contains(".") { key = key.replacingSlashes() }
                out[key] = value
            }
        }
        return out
    }
}

extension String {
    func replacingSlashes() -> String { String(map { $0 == "/" ? "." : $0 }) }
}
