import VigilSystem

/// osquery's flagfile: one `--name=value` per line (`--name value` and a bare `--name`,
/// meaning true, too); blank lines and lines starting with `#` are skipped. Vigil reads
/// the flags as config options, so `--tls_hostname=fleet:8443` and
/// `options: {tls_hostname: fleet:8443}` mean the same.
public enum Flagfile {
    public static func load(path: String) throws(ConfigError) -> [(name: String, value: String, line: Int)] {
        let text: String
        // A regular file only: a FIFO or a device swapped in must not block the agent.
        do { text = try RegularFile.readText(path, limit: 1 << 20) } catch {
            throw ConfigError(file: path, line: 1, column: 1, reason: "cannot read the flagfile: \(error)")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> [(name: String, value: String, line: Int)] {
        var flags: [(name: String, value: String, line: Int)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("--") else {
                throw ConfigError(file: file, line: index + 1, column: 1, reason: "a flagfile line must start with -- (--name=value), found '\(line.prefix(60))'")
            }
            let body = line.dropFirst(2)
            let name: Substring, value: Substring
            if let eq = body.firstIndex(of: "=") {
                name = body[..<eq]
                value = body[body.index(after: eq)...]
            } else if let space = body.firstIndex(of: " ") {
                name = body[..<space]
                value = body[body.index(after: space)...]
            } else {
                name = body
                value = "true"
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ConfigError(file: file, line: index + 1, column: 3, reason: "'\(name.prefix(60))' is not a flag name (letters, digits and _)")
            }
            flags.append((String(name), String(value).trimmingCharacters(), index + 1))
        }
        return flags
    }
}

extension String {
    /// Removes one pair of enclosing double quotes, as flagfiles written for shells carry.
    var unquoted: String {
        hasPrefix("\"") && hasSuffix("\"") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}
