import Foundation
import Testing
@testable import VigilSystem
import VigilTestSupport

/// The one osquery path-pattern matcher: `matches` and the walk agree, and each
/// wildcard flavour means what its users (the file tables, the agent's file_paths) need.
@Suite(.ownThread) struct PathPatternTests {
    @Test func percentStaysWithinOneLevel() {
        let p = PathPattern("/home/%/.ssh/%", wildcards: .percentOnly)
        #expect(p.matches("/home/ann/.ssh/authorized_keys"))
        #expect(!p.matches("/home/ann/b/.ssh/authorized_keys"))
        #expect(!p.matches("/home/ann/.ssh"))
        #expect(PathPattern("/opt/a%b%c").matches("/opt/aXXbYYc"))
        #expect(!PathPattern("/opt/a%b%c").matches("/opt/aXXcYYb"))
        #expect(PathPattern("/var/log/%.log").matches("/var/log/.log"))
    }

    /// `%%` is one or more whole levels; `name%%` is `name%` and everything below it;
    /// a `%%` in the middle still needs what follows it.
    @Test func doublePercentRecurses() {
        let all = PathPattern("/etc/%%")
        #expect(all.matches("/etc/passwd") && all.matches("/etc/ssh/sshd_config.d/x.conf"))
        #expect(!all.matches("/etc") && !all.matches("/etcetera/x"))
        let named = PathPattern("/var/lo%%")
        #expect(named.matches("/var/log") && named.matches("/var/local/a/b") && !named.matches("/var/lib/log"))
        let inner = PathPattern("/srv/%%/config")
        #expect(inner.matches("/srv/a/config") && inner.matches("/srv/a/b/c/config"))
        #expect(!inner.matches("/srv/config") && !inner.matches("/srv/a/config/x"))
        let twice = PathPattern("/%%/b/%%")
        #expect(twice.matches("/a/b/c") && twice.matches("/x/y/b/z/w") && !twice.matches("/a/b"))
        #expect(PathPattern("/a/%%%").matches("/a/b/c"), "a run of % is one %%")
    }

    @Test func likeWildcardsAreASupersetOfSQLLike() {
        #expect(PathPattern("/tmp/a_c").matches("/tmp/abc"))
        #expect(PathPattern("/tmp/A%").matches("/tmp/abc"), "LIKE folds ASCII case")
        // osquery's file_paths: `_` is a character and case is exact.
        #expect(!PathPattern("/tmp/a_c", wildcards: .percentOnly).matches("/tmp/abc"))
        #expect(PathPattern("/tmp/a_c", wildcards: .percentOnly).matches("/tmp/a_c"))
        #expect(!PathPattern("/tmp/A%", wildcards: .percentOnly).matches("/tmp/abc"))
    }

    @Test func onlyAbsolutePathsMatch() {
        #expect(!PathPattern("etc/%").matches("/etc/passwd"))
        #expect(!PathPattern("/etc/%").matches("etc/passwd"))
        #expect(PathPattern("/").matches("/"))
        #expect(PathPattern("/etc//%/").matches("/etc/passwd"), "empty levels are ignored")
        #expect(PathPattern("/tmp/with space/%").matches("/tmp/with space/a b"))
    }

    /// On a real tree: the walk finds exactly the paths `matches` accepts, never
    /// through a symbolic link to a directory (so a link to `/` cannot make `%%` loop).
    @Test(arguments: ["/%%", "/%", "/a%%", "/%/%.txt", "/a/%%/f.txt", "/b_c/%"])
    func theWalkFindsWhatMatches(suffix: String) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-pattern-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        for dir in ["a/b/c", "a/x", "ab", "b_c", "bxc", "sp ace"] {
            try FileManager.default.createDirectory(atPath: base + "/" + dir, withIntermediateDirectories: true)
        }
        for file in ["a/f.txt", "a/b/f.txt", "a/b/c/f.txt", "ab/g.txt", "b_c/h", "bxc/h", "sp ace/f.txt"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: base + "/" + file))
        }
        try FileManager.default.createSymbolicLink(atPath: base + "/a/loop", withDestinationPath: "../ab")

        let pattern = PathPattern(base + suffix)
        let walked = Set(pattern)
        let everything = Set((FileManager.default.subpaths(atPath: base) ?? []).map { base + "/" + $0 })
        #expect(walked.allSatisfy(pattern.matches), "\(walked.filter { !pattern.matches($0) })")
        #expect(walked == everything.filter(pattern.matches).subtracting(everything.filter { $0.hasPrefix(base + "/a/loop/") }),
                "walked \(walked.sorted())")
        #expect(!walked.isEmpty)
    }
}
