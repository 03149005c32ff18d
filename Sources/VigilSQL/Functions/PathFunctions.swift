import Glibc
import VigilSystem

/// osquery's path functions: parent_directory, find_file_path_in_cmd,
/// is_path_deterministic.
enum PathFunctions {
    static let all: [SQLFunction] = [
        SQLFunction("parent_directory", 1) { args throws(FunctionError) in
            guard args.isText(0), let path = args.text(0) else {
                throw FunctionError("Invalid inputs to parent_directory, TEXT was expected")
            }
            // Everything before the last '/', so "/etc" gives "" and "name" gives NULL.
            guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return .null }
            return .text(String(path[..<slash]))
        },
        SQLFunction("find_file_path_in_cmd", -1) { args throws(FunctionError) in
            guard let found = try CommandPath(args)?.existingFile(shortest: true) else {
                throw FunctionError("Invalid inputs to find_binary_path_from_cmd")
            }
            return .text(found)
        },
        SQLFunction("is_path_deterministic", -1) { args throws(FunctionError) in
            guard let command = try CommandPath(args) else { throw FunctionError("Invalid inputs to is_path_deterministic") }
            let shortest = command.existingFile(shortest: true)
            // No prefix names a file, or the whole command does: only one reading.
            if shortest.isEmpty || shortest.utf8.count == command.text.utf8.count { return 1 }
            return SQLValue(shortest.utf8.count == command.existingFile(shortest: false).utf8.count)
        },
    ]
}

/// A command line (cmdline, a service's ExecStart) read the way a shell would
/// split off its program when spaces may be part of the path: which prefixes,
/// cut at unquoted whitespace, name an existing file that is not a directory.
struct CommandPath {
    let text: String
    let escape: UInt8
    let allowQuotes: Bool

    /// (command, [allow quotes, [escape character]]); nil when an argument is NULL
    /// or the escape is not one character.
    init?(_ args: FunctionArguments) throws(FunctionError) {
        guard args.count > 0, (0..<args.count).allSatisfy({ !args.isNull($0) }), let text = args.text(0) else { return nil }
        self.text = text
        allowQuotes = args.count > 1 && args.int64(1) != 0
        if args.count > 2 {
            guard let e = args.bytes(2), e.count == 1 else { return nil }
            escape = e[0]
        } else {
            escape = UInt8(ascii: "\\")
        }
    }

    /// The shortest (or longest) prefix that names an existing non-directory, with
    /// quotes and escapes removed; "" when none does.
    func existingFile(shortest: Bool) -> String {
        let bytes = Array(text.utf8)
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0d).contains(b) }
        var i = bytes.firstIndex(where: { !isSpace($0) }) ?? bytes.count
        var current: [UInt8] = [], result: [UInt8] = []
        var quoted = false, escaped = false
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if escaped { current.append(b); escaped = false; continue }
            if allowQuotes && b == UInt8(ascii: "\"") { quoted.toggle(); continue }
            if b == escape { escaped = true; continue }
            if !quoted && isSpace(b) && Self.isFile(current) {
                result = current
                if shortest { return String(decoding: result, as: UTF8.self) }
            }
            current.append(b)
        }
        if (result.isEmpty || !shortest) && Self.isFile(current) { result = current }
        return String(decoding: result, as: UTF8.self)
    }

    static func isFile(_ path: [UInt8]) -> Bool {
        guard !path.isEmpty, let info = try? FileSystem.status(String(decoding: path, as: UTF8.self)) else { return false }
        return info.st_mode & S_IFMT != S_IFDIR
    }
}
