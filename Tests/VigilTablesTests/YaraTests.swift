import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// The yara table against the yara command (`yara -s -g`: matching rules with
/// their tags, then each matching string's offset) on rules and files the test writes.
@Suite(.ownThread) struct YaraTests {
    static let rules = """
    rule hello : t1 t2 { strings: $a = "hello" $b = "world" condition: any of them }
    rule never { strings: $z = "zzzzqq" condition: $z }
    rule two : t2 { strings: $x = "o w" condition: $x }
    """

    /// What `yara -s -g RULES FILE` reports, in the table's format: rules and tags
    /// (each tag once) comma-separated, strings as "$id:decimal offset".
    func truth(_ rules: String, _ file: String) throws -> (rules: String, tags: String, strings: String) {
        var names: [String] = [], tags: [String] = [], strings: [String] = []
        for line in try shell(["yara", "-s", "-g", rules, file]).split(separator: "\n") {
            if line.hasPrefix("0x") {
                // 0xd:$a: hello
                let parts = line.split(separator: ":", maxSplits: 2)
                strings.append("\(parts[1]):\(Int(parts[0].dropFirst(2), radix: 16)!)")
            } else {
                // hello [t1,t2] /path
                names.append(String(line.split(separator: " ")[0]))
                let open = line.firstIndex(of: "[")!, close = line.firstIndex(of: "]")!
                for tag in line[line.index(after: open)..<close].split(separator: ",") where !tags.contains(String(tag)) {
                    tags.append(String(tag))
                }
            }
        }
        return (names.joined(separator: ","), tags.joined(separator: ","), strings.joined(separator: ","))
    }

    @Test func matchesTheYaraCommand() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = dir.appendingPathComponent("r.yar").path
        try Self.rules.write(toFile: rules, atomically: true, encoding: .utf8)
        let hit = dir.appendingPathComponent("hit.txt").path, miss = dir.appendingPathComponent("miss.txt").path
        try "hello world, hello\n".write(toFile: hit, atomically: true, encoding: .utf8)
        try "nothing here\n".write(toFile: miss, atomically: true, encoding: .utf8)

        for file in [hit, miss] {
            let rows = try query("SELECT * FROM yara WHERE path = '\(file)' AND sigfile = '\(rules)'")
            try #require(rows.count == 1)
            let t = try truth(rules, file)
            #expect(rows[0]["matches"]?.string == t.rules)
            #expect(rows[0]["tags"]?.string == t.tags)
            #expect(rows[0]["strings"]?.string == t.strings)
            #expect(rows[0]["count"]?.int == Int64(t.rules.isEmpty ? 0 : t.rules.split(separator: ",").count))
            #expect(rows[0]["sigfile"]?.string == rules)
        }
        #expect(try query("SELECT count FROM yara WHERE path = '\(hit)' AND sigfile = '\(rules)'").first?["count"]?.int == 2)

        // Fleet's Log4j query's shape: rules inline, files by LIKE, count > 0.
        let inline = try query("""
            SELECT path, matches FROM yara WHERE path LIKE '\(dir.path)/%.txt' AND count > 0
            AND sigrule IN ('rule w { strings: $w = "world" condition: $w }', 'rule n { strings: $n = "nothing" condition: $n }')
            ORDER BY path
            """)
        #expect(inline.map { "\(($0["path"]!.string as NSString).lastPathComponent) \($0["matches"]!.string)" } == ["hit.txt w", "miss.txt n"])
    }

    /// Through our own /proc/PID/root the same file is scanned, named as that process
    /// sees it, with its pid in pid_with_namespace.
    @Test func pidWithNamespaceScansThatRoot() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.path + "/scanned.txt"
        try Data("vigil yara namespace marker".utf8).write(to: URL(fileURLWithPath: file))
        let rule = "rule marker { strings: $a = \"namespace marker\" condition: $a }"
        let pid = getpid()
        let rows = try query("SELECT path, matches, count, pid_with_namespace FROM yara WHERE path = '\(file)' AND sigrule = '\(rule)' AND pid_with_namespace = \(pid)")
        #expect(rows.count == 1 && rows.first?["path"]?.string == file && rows.first?["matches"]?.string == "marker", "\(rows)")
        #expect(rows.first?["pid_with_namespace"]?.int == Int64(pid) && rows.first?["count"]?.int == 1)
    }

    @Test func badRulesAndMissingConstraintsAreClearErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("f").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try query("SELECT * FROM yara WHERE path = '\(file)' AND sigrule = 'rule broken { condition: nope }'")
            Issue.record("no error")
        } catch { #expect("\(error)".contains("does not compile") && "\(error)".contains("line 1")) }
        do {
            _ = try query("SELECT * FROM yara WHERE path = '\(file)'")
            Issue.record("no error")
        } catch { #expect("\(error)".contains("sigrule")) }
        #expect(throws: (any Error).self) { try query("SELECT * FROM yara WHERE sigrule = 'rule a { condition: true }'") }
        // A missing file and a folder are not scanned: no rows.
        #expect(try query("SELECT * FROM yara WHERE path IN ('\(dir.path)/absent', '\(dir.path)') AND sigrule = 'rule a { condition: true }'").isEmpty)
    }
}
