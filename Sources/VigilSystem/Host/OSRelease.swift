/// os-release(5): the distribution's identity as KEY=value pairs.
public enum OSRelease {
    /// The first of `root`/etc/os-release and `root`/usr/lib/os-release that exists.
    public static func read(root: String = "") throws(SystemError) -> [String: String] {
        let primary = root + "/etc/os-release"
        let path = FileSystem.exists(primary) ? primary : root + "/usr/lib/os-release"
        return parse(try FileSystem.readText(path))
    }

    /// Parse KEY=value lines; values may be single- or double-quoted with
    /// backslash escapes, as in shell.
    public static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in FileSystem.lines(text) {
            let trimmed = line.trimmingCharacters()
            guard !trimmed.hasPrefix("#"), let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = String(trimmed[..<eq])
            var value = Substring(trimmed[trimmed.index(after: eq)...])
            if let q = value.first, q == "\"" || q == "'", value.count >= 2, value.last == q {
                value = value.dropFirst().dropLast()
                var unescaped = ""
                var escaping = false
                for c in value {
                    if escaping { unescaped.append(c); escaping = false } else if c == "\\" && q == "\"" { escaping = true } else { unescaped.append(c) }
                }
                out[key] = unescaped
            } else {
                out[key] = String(value)
            }
        }
        return out
    }
}
