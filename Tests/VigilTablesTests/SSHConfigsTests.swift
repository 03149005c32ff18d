import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

@Suite(.ownThread) struct SSHConfigsTests {
    @Test func optionsCarryTheirBlock() throws {
        let text = """
            # global
            ForwardAgent no
            Host bastion *.example.com
              User admin
              Port 2222
            Match host db exec "true"
                IdentityFile ~/.ssh/db_key
            """
        let options = SSHConfigsTable.options(text)
        #expect(options.map(\.block) == ["", "Host bastion *.example.com", "Host bastion *.example.com", "Match host db exec \"true\""])
        #expect(options.map(\.option) == ["ForwardAgent no", "User admin", "Port 2222", "IdentityFile ~/.ssh/db_key"])
    }

    /// The system file's options as uid 0, compared with the file itself (comments
    /// and blank lines dropped).
    @Test func systemFileRowsMatchFile() throws {
        let path = "/etc/ssh/ssh_config"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let rows = try query("SELECT * FROM ssh_configs WHERE ssh_config_file = '\(path)'")
        let expected = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.lowercased().hasPrefix("host ") && !$0.lowercased().hasPrefix("match ") }
        #expect(rows.map { $0["option"]!.string } == expected)
        #expect(rows.allSatisfy { $0["uid"]?.int == 0 })
    }

    @Test func packQueryRuns() throws {
        _ = try query("SELECT username, block, option, ssh_config_file FROM users JOIN ssh_configs USING (uid)")
    }
}
