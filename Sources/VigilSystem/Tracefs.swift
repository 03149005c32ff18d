import Glibc

/// The kernel's tracing file system: where tracepoint ids and formats live.
/// Mounted on demand, since many systems (this one included) boot without it.
public enum Tracefs {
    public static let standardPath = "/sys/kernel/tracing"

    /// The tracefs directory, mounting it at /sys/kernel/tracing when it is not there
    /// (root only). Also accepts the old location under debugfs.
    public static func directory() throws(SystemError) -> String {
        for candidate in [standardPath, "/sys/kernel/debug/tracing"] where FileSystem.exists(candidate + "/events") {
            return candidate
        }
        if mount("tracefs", standardPath, "tracefs", 0, nil) != 0 {
            throw SystemError("mount tracefs on", path: standardPath)
        }
        return standardPath
    }

    /// One field of a tracepoint format: `field:const char * filename; offset:24; size:8; signed:0;`.
    public struct Field: Sendable, Equatable {
        /// The C declaration without the name, e.g. `const char *`.
        public var type: String
        public var name: String
        public var offset: Int
        public var size: Int
        public var signed: Bool

        public init(type: String, name: String, offset: Int, size: Int, signed: Bool) {
            self.type = type
            self.name = name
            self.offset = offset
            self.size = size
            self.signed = signed
        }
    }

    /// A tracepoint's id and its fields after the common ones.
    public struct Format: Sendable, Equatable {
        public var id: UInt32
        public var fields: [Field]
    }

    /// Parses the text of an events/CATEGORY/NAME/format file.
    public static func parseFormat(_ text: String) -> Format? {
        var id: UInt32?
        var fields: [Field] = []
        for line in FileSystem.lines(text) {
            let trimmed = line.trimmingCharacters()
            if trimmed.hasPrefix("ID:") {
                id = UInt32(trimmed.dropFirst(3).trimmingCharacters())
                continue
            }
            guard trimmed.hasPrefix("field:") else { continue }
            var parts: [String: String] = [:]
            var declaration = ""
            for piece in trimmed.split(separator: ";") {
                let item = piece.trimmingCharacters()
                guard let colon = item.firstIndex(of: ":") else { continue }
                let key = String(item[..<colon])
                let value = String(item[item.index(after: colon)...])
                if key == "field" { declaration = value } else { parts[key] = value }
            }
            guard let offset = parts["offset"].flatMap({ Int($0) }), let size = parts["size"].flatMap({ Int($0) }) else { continue }
            let (type, name) = splitDeclaration(declaration)
            if name.hasPrefix("common_") { continue }
            fields.append(Field(type: type, name: name, offset: offset, size: size, signed: parts["signed"] == "1"))
        }
        guard let id else { return nil }
        return Format(id: id, fields: fields)
    }

    /// `const char * filename` → (`const char *`, `filename`); `char comm[16]` → (`char[16]`, `comm`).
    static func splitDeclaration(_ declaration: String) -> (String, String) {
        var text = declaration.trimmingCharacters()
        var suffix = ""
        if let bracket = text.firstIndex(of: "[") {
            suffix = String(text[bracket...])
            text = String(text[..<bracket]).trimmingCharacters()
        }
        let end = text.lastIndex { !($0.isLetter || $0.isNumber || $0 == "_") }
        guard let end else { return (suffix, text) }
        let name = String(text[text.index(after: end)...])
        let type = String(text[...end]).trimmingCharacters() + suffix
        return (type, name)
    }

    /// The format of events/CATEGORY/NAME, or nil when there is no such tracepoint.
    public static func format(category: String, name: String) throws(SystemError) -> Format? {
        let dir = try directory()
        guard let text = FileSystem.readTextIfPresent("\(dir)/events/\(category)/\(name)/format") else { return nil }
        return parseFormat(text)
    }

    /// Names of the tracepoints in a category (e.g. every sys_enter_* in syscalls).
    public static func events(category: String) throws(SystemError) -> [String] {
        let dir = try directory()
        return (try? FileSystem.list("\(dir)/events/\(category)")) ?? []
    }
}
