import Foundation
import Testing
import VigilTestSupport

/// The man pages (swift-argument-parser's generate-manual plugin: `make man`) and the
/// shell completions (`vigil --generate-completion-script`): a page for every command,
/// each rendering without a warning, and completion scripts that parse and complete.
@Suite(.ownThread) struct ManPageTests {
    /// Every command a user can type, from the binary's own description of itself:
    /// ["vigil"], ["vigil", "agent"], ["vigil", "server", "serve"], …
    static func commands() throws -> [[String]] {
        let dump = try CLI.vigil("--experimental-dump-help")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        func walk(_ command: [String: Any], _ path: [String]) -> [[String]] {
            guard command["shouldDisplay"] as? Bool ?? true, let name = command["commandName"] as? String else { return [] }
            let here = path + [name]
            let subcommands = command["subcommands"] as? [[String: Any]] ?? []
            return [here] + subcommands.flatMap { walk($0, here) }
        }
        return walk(try #require(root["command"] as? [String: Any]), [])
    }

    /// The pages as text, with groff's warnings (-ww) on standard error.
    static func render(_ page: String) throws -> CLI.Result {
        try CLI.run(["-mandoc", "-Tutf8", "-ww", "-P-cbou", page], executable: "/usr/bin/groff")
    }

    @Test func everyCommandHasAPageThatRendersWithoutWarnings() throws {
        let dir = try #require(CLI.manDirectory, "no man pages: run `make man` (make test does)")
        let commands = try Self.commands()
        #expect(commands.count > 10, "\(commands)")
        for command in commands {
            let page = "\(dir)/\(command.joined(separator: ".")).1"
            guard FileManager.default.fileExists(atPath: page) else {
                Issue.record("no page for `\(command.joined(separator: " "))` at \(page)")
                continue
            }
            let r = try Self.render(page)
            #expect(r.status == 0 && r.stderr.isEmpty, "\(page): \(r.stderr)")
        }
        // A page says what its command does and lists its options.
        let shell = try Self.render("\(dir)/vigil.shell.1").stdout
        #expect(shell.contains("Interactive SQL shell over the live OS"), "\(shell)")
        #expect(shell.contains("--history"), "\(shell)")
        let top = try Self.render("\(dir)/vigil.1").stdout
        #expect(top.contains("vigil.agent(1)") && top.contains("vigil.shell(1)"), "\(top)")
    }

    func completionScript(_ shell: String) throws -> String {
        let r = try CLI.vigil("--generate-completion-script", shell)
        #expect(r.status == 0, "\(r.stderr)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-completion-\(UUID().uuidString).\(shell)").path
        try r.stdout.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// bash parses the script, and its completion function offers `shell` for
    /// `vigil sh` and `--history` for `vigil shell --hi`.
    @Test func bashCompletionParsesAndCompletes() throws {
        let script = try completionScript("bash")
        defer { try? FileManager.default.removeItem(atPath: script) }
        #expect(try CLI.run(["-n", script], executable: "/bin/bash").status == 0)
        func complete(_ line: String) throws -> [String] {
            let program = """
                source '\(script)'
                read -r -a COMP_WORDS <<< '\(line)'
                [[ '\(line)' == *' ' ]] && COMP_WORDS+=('')
                COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}
                function=$(complete -p vigil | sed -E 's/.*-F ([^ ]+).*/\\1/')
                "$function" vigil "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let r = try CLI.run(["-c", program], executable: "/bin/bash")
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        #expect(try complete("vigil sh").contains("shell"))
        #expect(try complete("vigil shell --hi").contains("--history"))
        #expect(try complete("vigil agent --check").contains("--check-config"))
    }

    /// `vigil`'s completion script for `shell`, which `parser` (the shell and its
    /// parse-only flag) must read without a word on standard error.
    func completionScript(_ shell: String, parsedBy parser: [String]) throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: parser[0]), "\(parser[0]) missing (scripts/bootstrap installs it)")
        let script = try completionScript(shell)
        let parse = try CLI.run(Array(parser.dropFirst()) + [script], executable: parser[0])
        #expect(parse.status == 0 && parse.stderr.isEmpty, "\(parser[0]): \(parse.stderr)")
        return script
    }

    /// A shell the test needs: reported skipped when missing, except in CI (where
    /// scripts/bootstrap installs it), where the test runs and fails.
    static func available(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path) || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    @Test(.enabled(if: available("/usr/bin/zsh"), "needs zsh")) func zshCompletionParses() throws {
        let script = try completionScript("zsh", parsedBy: ["/usr/bin/zsh", "-n"])
        defer { try? FileManager.default.removeItem(atPath: script) }
        #expect(try String(contentsOfFile: script, encoding: .utf8).hasPrefix("#compdef vigil"))
    }

    /// fish parses the script, and `complete -C` offers the subcommands and options.
    @Test(.enabled(if: available("/usr/bin/fish"), "needs fish")) func fishCompletionParsesAndCompletes() throws {
        let script = try completionScript("fish", parsedBy: ["/usr/bin/fish", "--no-execute"])
        defer { try? FileManager.default.removeItem(atPath: script) }
        let r = try CLI.run(["--no-config", "-c", "source '\(script)'; complete -C 'vigil sh'; complete -C 'vigil shell --hi'"], executable: "/usr/bin/fish")
        #expect(r.status == 0, "\(r.stderr)")
        let words = r.stdout.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }
        #expect(words.contains("shell") && words.contains("--history"), "\(r.stdout)")
    }
}
