import Foundation
import Testing
@testable import VigilAgent
import VigilTestSupport

/// osquery's FIM pattern language and the config sections that use it.
@Suite(.ownThread) struct FilePatternTests {
    func pattern(_ text: String) throws -> FilePattern { try FilePattern.parse(text).get() }

    @Test func recursiveMatchesEverythingBelow() throws {
        let p = try pattern("/etc/%%")
        #expect(p.matches("/etc/passwd"))
        #expect(p.matches("/etc/ssh/sshd_config.d/x.conf"))
        #expect(!p.matches("/etc"))
        #expect(!p.matches("/etcetera/x"))
        #expect(p.prefix == "/etc/")
    }

    @Test func oneLevelWildcards() throws {
        let p = try pattern("/home/%/.ssh/%%")
        #expect(p.matches("/home/ann/.ssh/authorized_keys"))
        #expect(!p.matches("/home/ann/b/.ssh/authorized_keys"))
        #expect(p.prefix == "/home/")
        let q = try pattern("/var/log/%.log")
        #expect(q.matches("/var/log/syslog.log"))
        #expect(!q.matches("/var/log/syslog.1"))
        let r = try pattern("/usr/bin/ss%")
        #expect(r.matches("/usr/bin/ssh"))
        #expect(!r.matches("/usr/bin/scp"))
        #expect(try pattern("/opt/a%b%c").matches("/opt/aXXbYYc"))
        #expect(try !pattern("/opt/a%b%c").matches("/opt/aXXcYYb"))
    }

    /// A path without wildcards names a file, or a directory and its direct children.
    @Test func plainPathIsItselfAndItsChildren() throws {
        let p = try pattern("/root/.ssh")
        #expect(p.matches("/root/.ssh"))
        #expect(p.matches("/root/.ssh/authorized_keys"))
        #expect(!p.matches("/root/.ssh/keys/a"))
        #expect(!p.matches("/root/.sshd"))
    }

    /// osquery's file_paths know `%` only: `_` is a character, and case is exact.
    @Test func underscoreIsACharacterAndCaseIsExact() throws {
        #expect(try pattern("/tmp/a_c").matches("/tmp/a_c"))
        #expect(try !pattern("/tmp/a_c").matches("/tmp/abc"))
        #expect(try !pattern("/tmp/A%").matches("/tmp/abc"))
        #expect(try pattern("/").matches("/etc"))
    }

    /// The files already there that a pattern watches: a named directory's direct
    /// children, everything below for %%, never a directory, nothing through a link.
    @Test func existingFilesOnARealTree() throws {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("vigil-fp-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: base) }
        for dir in ["d/sub/deeper", "e"] { try fm.createDirectory(atPath: base + "/" + dir, withIntermediateDirectories: true) }
        for file in ["d/a", "d/sub/b", "d/sub/deeper/c", "e/x.log", "e/y.txt"] { #expect(fm.createFile(atPath: base + "/" + file, contents: Data("x".utf8))) }
        try fm.createSymbolicLink(atPath: base + "/d/link", withDestinationPath: "/etc")
        func files(_ text: String) throws -> Set<String> {
            var out: [String] = []
            try pattern(text).existingFiles(limit: 100, into: &out)
            return Set(out.map { String($0.dropFirst(base.count)) })
        }
        #expect(try files(base + "/d") == ["/d/a"])
        #expect(try files(base + "/d/%%") == ["/d/a", "/d/sub/b", "/d/sub/deeper/c"])
        #expect(try files(base + "/%/%.log") == ["/e/x.log"])
        #expect(try files(base + "/%") == ["/d/a", "/e/x.log", "/e/y.txt"])
        var limited: [String] = []
        try pattern(base + "/d/%%").existingFiles(limit: 2, into: &limited)
        #expect(limited.count == 2)
    }

    @Test func badPatternsAreRefusedWithTheReason() {
        guard case .failure(let e) = FilePattern.parse("etc/%%") else { Issue.record("relative accepted"); return }
        #expect(e.message.contains("absolute"))
        guard case .failure(let f) = FilePattern.parse("/etc/%%/x") else { Issue.record("inner %% accepted"); return }
        #expect(f.message.contains("only end a pattern"))
    }

    @Test func categoriesAndExclusionsFromAnOsqueryConfig() throws {
        let json = """
            {
              "schedule": {"fim": {"query": "SELECT * FROM file_events", "interval": 60}},
              "file_paths": {"homes": ["/root/.ssh/%%", "/home/%/.ssh/%%"], "etc": ["/etc/%%"]},
              "exclude_paths": {"etc": ["/etc/mtab", "/etc/cache/%%"]},
              "file_accesses": ["homes"]
            }
            """
        let loaded = try ConfigLoader.parse(json, file: "osquery.conf")
        let list = FileWatchList(loaded.config.filePaths)
        #expect(list.category(of: "/home/ann/.ssh/authorized_keys") == "homes")
        #expect(list.category(of: "/etc/passwd") == "etc")
        #expect(list.category(of: "/etc/mtab") == nil)
        #expect(list.category(of: "/etc/cache/a/b") == nil)
        #expect(list.category(of: "/var/tmp/x") == nil)
        #expect(loaded.warnings.contains { $0.message.contains("file_accesses") })
    }

    @Test func anExclusionForAnUnknownCategoryIsRefused() {
        let yaml = """
            schedule:
              q: {query: "SELECT 1", interval: 60}
            file_paths:
              etc: [/etc/%%]
            exclude_paths:
              homes: [/home/%%]
            """
        #expect {
            try ConfigLoader.parse(yaml, file: "a.yaml")
        } throws: { "\($0)".contains("a.yaml:6") && "\($0)".contains("exclude_paths.homes names no category") && "\($0)".contains("etc") }
        #expect {
            try ConfigLoader.parse("file_paths:\n  etc: [etc/%%]\n", file: "b.yaml")
        } throws: { "\($0)".contains("b.yaml:2") && "\($0)".contains("not an absolute path") }
    }
}
