extension Crontab {
    /// The crontab files another process sees: the same places as `files()`, looked
    /// up below `root` (such as /proc/PID/root) and named as seen from inside it.
    /// With `root` "" this is `files()`.
    public static func files(root: String) -> [String] {
        if root.isEmpty { return files() }
        var out: [String] = []
        if FileSystem.exists(root + systemFile) { out.append(systemFile) }
        for dir in directories {
            guard let names = try? FileSystem.list(root + dir) else { continue }
            for name in names.sorted() {
                let path = dir + "/" + name
                if let st = try? FileSystem.status(root + path), FileKind(mode: st.st_mode) == .regular { out.append(path) }
            }
        }
        return out
    }

    /// The schedule lines of `path` read below `root`, each reporting `path` as its file.
    public static func read(_ path: String, root: String) throws(SystemError) -> [CronEntry] {
        parse(try FileSystem.readText(root + path, limit: 16 << 20), path: path)
    }
}
