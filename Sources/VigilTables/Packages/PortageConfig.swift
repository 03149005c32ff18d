import Glibc
import VigilSystem

/// Portage's per-package settings in /etc/portage: package.accept_keywords (and its
/// older name package.keywords), package.mask, package.unmask. Each is a file or a
/// folder of files, which Portage reads in name order, descending into sub-folders and
/// skipping hidden files and editor backups (`name~`); read the same way here.
struct PortageConfig {
    let directory: String

    static let host = PortageConfig(directory: "/etc/portage")

    /// The entries of one setting, in file order: each line's words, without blank
    /// lines and comments (from `#` to the end of the line).
    func entries(_ setting: String) -> [[Substring]] {
        files(directory + "/" + setting, depth: 0).flatMap { path in
            FileSystem.lines(FileSystem.readTextIfPresent(path) ?? "").compactMap { line in
                let words = (line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                    .split(whereSeparator: { $0 == " " || $0 == "\t" })
                return words.isEmpty ? nil : words
            }
        }
    }

    /// The file itself, or the files of the folder in name order; a bound on depth
    /// keeps a symbolic link loop from recursing for ever.
    private func files(_ path: String, depth: Int) -> [String] {
        guard let info = try? FileSystem.status(path) else { return [] }
        if info.st_mode & S_IFMT == S_IFREG { return [path] }
        guard info.st_mode & S_IFMT == S_IFDIR, depth < 8 else { return [] }
        return ((try? FileSystem.list(path)) ?? []).sorted()
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix("~") }
            .flatMap { files(path + "/" + $0, depth: depth + 1) }
    }
}

/// A package atom as written in Portage's settings (`>=dev-lang/python-3.11.4-r1`):
/// the package (`dev-lang/python`) and the version with its operator (`>=3.11.4-r1`).
/// As osquery splits it: a lone `=` operator is dropped, `<`, `>` and `<=`/`>=` are
/// kept; the version starts at the last `-` after the category that is followed by a
/// digit, or the one before it (for a `-r1` revision); `:slot` stays in the package.
enum PortageAtom {
    static func split(_ atom: Substring) -> (package: String, version: String) {
        var rest = atom.hasSuffix("/") ? atom.dropLast() : atom
        var version = ""
        while let c = rest.first, c == "<" || c == ">" || c == "=" {
            if !(version.isEmpty && c == "=") { version.append(c) }
            rest = rest.dropFirst()
        }
        let chars = Array(rest)
        let slash = chars.firstIndex(of: "/") ?? -1
        let dashes = chars.indices.filter { chars[$0] == "-" && $0 > slash }.suffix(2).reversed()
        // The last dash, else the one before it: no further back, as in osquery.
        for dash in dashes where dash + 1 < chars.count && chars[dash + 1].isNumber {
            return (String(chars[..<dash]), version + String(chars[(dash + 1)...]))
        }
        return (String(rest), version)
    }
}
