import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// The augeas table against augtool (the same library, its own command) on /etc/hosts.
@Suite(.ownThread, .serialized) struct AugeasTests {
    /// augtool's lines: NODE, or NODE = "VALUE".
    func augtool(_ command: String, _ path: String) throws -> [(node: String, value: String)] {
        try shell(["augtool", command, path]).split(separator: "\n").map { line in
            guard let eq = line.range(of: " = ") else { return (String(line), "") }
            var value = String(line[eq.upperBound...])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return (String(line[..<eq.lowerBound]), value)
        }
    }

    @Test func etcHostsMatchesAugtoolPrint() throws {
        // `print` lists the file's node itself first; the table lists what is in it.
        let truth = try augtool("print", "/files/etc/hosts").dropFirst()
        try #require(!truth.isEmpty)
        let rows = try query("SELECT node, value, label, path FROM augeas WHERE path = '/etc/hosts'")
        // Same nodes and values; augeas's match lists them level by level, print depth first.
        #expect(rows.map { "\($0["node"]!.string) = \($0["value"]!.string)" }.sorted() == truth.map { "\($0.node) = \($0.value)" }.sorted())
        for row in rows {
            #expect(row["path"]?.string == "/etc/hosts")
            let last = row["node"]!.string.split(separator: "/").last.map(String.init) ?? ""
            #expect(row["label"]?.string == String(last.prefix { $0 != "[" }))
        }
        // A node pattern with LIKE: every address, as augtool's match finds them.
        let addresses = try query("SELECT node, value FROM augeas WHERE node LIKE '/files/etc/hosts/%/ipaddr'")
        let matched = try shell(["augtool", "match", "/files/etc/hosts/*/ipaddr"]).split(separator: "\n")
        #expect(addresses.map { "\($0["node"]!.string) = \($0["value"]!.string)" } == matched.map(String.init))
        #expect(try query("SELECT * FROM augeas WHERE path = '/nonexistent/file'").isEmpty)
        #expect(throws: (any Error).self) { try query("SELECT * FROM augeas WHERE path = 'etc/hosts'") }
        #expect(throws: (any Error).self) { try query("SELECT * FROM augeas WHERE node = '/files/etc/hosts/[['") }
    }
}
