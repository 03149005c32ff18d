/// One key line of an OpenSSH authorized_keys file.
public struct AuthorizedKey: Sendable, Equatable {
    /// Login options before the key (`from="10.0.0.1",no-pty`), or "".
    public let options: String
    /// Key type, e.g. "ssh-ed25519".
    public let algorithm: String
    /// The base64 key blob.
    public let key: String
    public let comment: String
}

/// Reader for ~/.ssh/authorized_keys and authorized_keys2 (format per sshd(8)).
public enum AuthorizedKeys {
    public static let fileNames = [".ssh/authorized_keys", ".ssh/authorized_keys2"]

    /// Bytes read of one key file at most: bounded, as the file is the user's.
    public static let sizeLimit = 16 << 20

    /// Blank lines and comments are skipped, and so are lines without a key blob.
    public static func parse(_ text: String) -> [AuthorizedKey] {
        FileSystem.lines(text).compactMap { line in
            let trimmed = line.trimmingCharacters()
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
            return parseLine(trimmed[...])
        }
    }

    /// `[options] type blob [comment]`. Options have no unquoted spaces, so a line
    /// starts with options exactly when its first word is not a key type.
    static func parseLine(_ line: Substring) -> AuthorizedKey? {
        var rest = line
        var options = ""
        if let first = firstWord(rest, quoted: false), !isKeyType(first) {
            guard let opts = firstWord(rest, quoted: true) else { return nil }
            options = String(opts)
            rest = rest[opts.endIndex...].drop(while: isBlank)
        }
        guard let algorithm = firstWord(rest, quoted: false) else { return nil }
        rest = rest[algorithm.endIndex...].drop(while: isBlank)
        guard let key = firstWord(rest, quoted: false) else { return nil }
        let comment = rest[key.endIndex...].trimmingCharacters()
        return AuthorizedKey(options: options, algorithm: String(algorithm), key: String(key), comment: comment)
    }

    /// The leading run of non-blank characters; with `quoted`, blanks inside "..." do not end it.
    static func firstWord(_ text: Substring, quoted: Bool) -> Substring? {
        var inQuotes = false
        var escaped = false
        var end = text.startIndex
        while end < text.endIndex {
            let c = text[end]
            if escaped { escaped = false } else if quoted && c == "\\" { escaped = true } else if quoted && c == "\"" {
                inQuotes.toggle()
            } else if !inQuotes && isBlank(c) { break }
            end = text.index(after: end)
        }
        return end == text.startIndex ? nil : text[text.startIndex..<end]
    }

    static func isBlank(_ c: Character) -> Bool { c == " " || c == "\t" }

    /// Key types sshd accepts: ssh-*, ecdsa-sha2-*, sk-* (FIDO) and their certificates.
    static func isKeyType(_ word: Substring) -> Bool {
        word.hasPrefix("ssh-") || word.hasPrefix("ecdsa-sha2-") || word.hasPrefix("sk-")
    }
}
