import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct FileTests {
    /// Every stat column of a file the test wrote, against `stat(1)`.
    @Test func pathMatchesStat() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("data.txt").path
        try Data("hello vigil\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, 0o640) == 0)

        let rows = try query("SELECT * FROM file WHERE path = '\(path)'")
        let row = try #require(rows.first)
        #expect(rows.count == 1)
        // inode uid gid mode size atime mtime ctime btime links blksize type
        let fields = try shell(["stat", "-c", "%i %u %g %a %s %X %Y %Z %W %h %o %F", path])
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        #expect(row["inode"]?.int == Int64(fields[0]))
        #expect(row["uid"]?.int == Int64(fields[1]))
        #expect(row["gid"]?.int == Int64(fields[2]))
        #expect(row["mode"]?.string == "0640" && fields[3] == "640")
        #expect(row["size"]?.int == 12 && fields[4] == "12")
        #expect(row["atime"]?.int == Int64(fields[5]))
        #expect(row["mtime"]?.int == Int64(fields[6]))
        #expect(row["ctime"]?.int == Int64(fields[7]))
        #expect(row["btime"]?.int == Int64(fields[8]))
        #expect(row["hard_links"]?.int == Int64(fields[9]))
        #expect(row["block_size"]?.int == Int64(fields[10]))
        #expect(fields[11] == "regular" && row["type"]?.string == "regular")
        #expect(row["directory"]?.string == dir.path)
        #expect(row["filename"]?.string == "data.txt")
        #expect(row["symlink"]?.int == 0)
        #expect(row["device"]?.int == 0)
    }

    @Test func missingPathGivesNoRows() throws {
        let rows = try query("SELECT * FROM file WHERE path = '/nonexistent/vigil-\(UUID().uuidString)'")
        #expect(rows.isEmpty)
    }

    @Test func withoutPathOrDirectoryIsAnError() throws {
        var message = ""
        do {
            _ = try query("SELECT * FROM file")
            Issue.record("file was scanned without path or directory")
        } catch {
            message = "\(error)"
        }
        #expect(message.contains("table file requires an equality or IN constraint on one of the columns path, directory"), "\(message)")
        #expect(message.contains("SELECT * FROM file WHERE path = '...'"), "\(message)")
        // A constraint on another column (here the hidden pid_with_namespace) does not stand in for one.
        var other = ""
        do { _ = try query("SELECT * FROM file WHERE pid_with_namespace = \(getpid())") } catch { other = "\(error)" }
        #expect(other.contains("path, directory"), "\(other)")
    }

    /// `directory = X` lists X's entries: files, subdirectories, links, FIFOs.
    @Test func directoryListsEntries() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try Data("a".utf8).write(to: dir.appendingPathComponent("a"))
        try fm.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: false)
        try Data("deep".utf8).write(to: dir.appendingPathComponent("sub/deep"))
        try fm.createSymbolicLink(atPath: dir.appendingPathComponent("link").path, withDestinationPath: "a")
        #expect(mkfifo(dir.appendingPathComponent("pipe").path, 0o600) == 0)

        let rows = try query("SELECT path, directory, type, symlink, symlink_target_path, mode FROM file WHERE directory = '\(dir.path)'")
        var byName: [String: [String: SQLValue]] = [:]
        for row in rows { byName[URL(fileURLWithPath: row["path"]!.string).lastPathComponent] = row }
        #expect(Set(byName.keys) == ["a", "sub", "link", "pipe"])
        #expect(rows.allSatisfy { $0["directory"]?.string == dir.path })
        #expect(byName["a"]?["type"]?.string == "regular")
        #expect(byName["sub"]?["type"]?.string == "directory")
        #expect(byName["pipe"]?["type"]?.string == "fifo")
        #expect(byName["pipe"]?["mode"]?.string == "0600")
        // Like osquery, a link reports what it points to and flags itself as a link.
        #expect(byName["link"]?["symlink"]?.int == 1)
        #expect(byName["link"]?["type"]?.string == "regular")
        #expect(byName["link"]?["symlink_target_path"]?.string == dir.appendingPathComponent("a").resolvingSymlinksInPath().path)
        #expect(byName["a"]?["symlink_target_path"]?.string == "")
    }

    /// `%` stays within one path segment, `%%` descends; `_` is one character.
    @Test func likePatternsFollowOsqueryRules() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for name in ["x.conf", "y.conf", "z.txt"] { try Data().write(to: dir.appendingPathComponent(name)) }
        try fm.createDirectory(at: dir.appendingPathComponent("sub/inner"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("sub/inner/w.conf"))
        let base = dir.path

        let oneLevel = try query("SELECT path FROM file WHERE path LIKE '\(base)/%'").map { $0["path"]!.string }
        #expect(Set(oneLevel) == Set(["x.conf", "y.conf", "z.txt", "sub"].map { "\(base)/\($0)" }))

        let conf = try query("SELECT path FROM file WHERE path LIKE '\(base)/%.conf'").map { $0["path"]!.string }
        #expect(Set(conf) == ["\(base)/x.conf", "\(base)/y.conf"])

        let recursive = try query("SELECT path FROM file WHERE path LIKE '\(base)/%%'").map { $0["path"]!.string }
        let expected = try fm.subpathsOfDirectory(atPath: base).map { "\(base)/\($0)" }
        #expect(recursive.sorted() == expected.sorted())
        #expect(recursive.contains("\(base)/sub/inner/w.conf"))

        let single = try query("SELECT path FROM file WHERE path LIKE '\(base)/_.txt'").map { $0["path"]!.string }
        #expect(single == ["\(base)/z.txt"])

        let middle = try query("SELECT path FROM file WHERE path LIKE '\(base)/%/inner'").map { $0["path"]!.string }
        #expect(middle == ["\(base)/sub/inner"])
    }

    /// `directory LIKE` lists the entries of every directory the pattern matches, as
    /// osquery does (its glob marks directories with a trailing "/", kept in `directory`);
    /// each branch of an OR is its own scan. Ground truth: find(1) on the same tree.
    @Test func directoryLikeListsEntriesOfMatchingDirectories() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for sub in ["a", "b/inner", ".hidden"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        for file in ["a/x", "a/y", "b/z", ".hidden/w", "top"] { try Data().write(to: dir.appendingPathComponent(file)) }
        let base = dir.path

        let found = try shell(["find", base, "-mindepth", "2", "-maxdepth", "2"]).split(separator: "\n").map(String.init)
        let rows = try query("SELECT path, directory FROM file WHERE directory LIKE '\(base)/%'")
        #expect(rows.map { $0["path"]!.string }.sorted() == found.sorted())
        #expect(rows.allSatisfy { row in
            let path = row["path"]!.string
            return row["directory"]!.string == String(path[..<path.lastIndex(of: "/")!]) + "/"
        })

        // A pattern that ends in "/" matches the marked directory names.
        let slash = try query("SELECT path FROM file WHERE directory LIKE '\(base)/%/'").map { $0["path"]!.string }
        #expect(slash.sorted() == found.sorted())

        let hidden = try query("SELECT path FROM file WHERE directory LIKE '\(base)/.%'").map { $0["path"]!.string }
        #expect(hidden == ["\(base)/.hidden/w"])

        // Without a trailing "/" the pattern cannot match the marked name: no rows, as in osquery.
        #expect(try query("SELECT path FROM file WHERE directory LIKE '\(base)/b'").isEmpty)
        let either = try query("SELECT path FROM file WHERE path LIKE '\(base)/top' OR directory LIKE '\(base)/b/'")
            .map { $0["path"]!.string }
        #expect(Set(either) == ["\(base)/top", "\(base)/b/inner", "\(base)/b/z"])
    }

    /// An equality and a LIKE on path together still give each file once.
    @Test func equalityAndLikeGiveOneRow() throws {
        let rows = try query("SELECT path FROM file WHERE path = '/etc/passwd' AND path LIKE '/etc/%'")
        #expect(rows.map { $0["path"]!.string } == ["/etc/passwd"])
    }
}
