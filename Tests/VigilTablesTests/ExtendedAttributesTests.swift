import Foundation
import Testing
import VigilSQL
import VigilSystem
import VigilTestSupport

/// Attributes setfattr puts on a temporary file, compared with `getfattr -e hex`:
/// a text value as is, a binary one in base64.
@Suite(.ownThread) struct ExtendedAttributesTests {
    @Test func attributesMatchGetfattr() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tagged").path
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        _ = try shell(["setfattr", "-n", "user.vigil_text", "-v", "hello world", file])
        _ = try shell(["setfattr", "-n", "user.vigil_binary", "-v", "0x00ff10", file])

        // getfattr: name=0xHEX for every attribute the file has.
        var expected: [String: String] = [:]
        for line in try shell(["getfattr", "-d", "-m", "-", "-e", "hex", "--absolute-names", file]).split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            expected[String(line[..<eq])] = String(line[line.index(eq, offsetBy: 3)...])
        }
        try #require(expected["user.vigil_text"] != nil && expected["user.vigil_binary"] != nil, "setfattr did not tag \(file): \(expected)")

        for clause in ["path = '\(file)'", "directory = '\(dir.path)'"] {
            var seen: [String: String] = [:]
            for r in try query("SELECT * FROM extended_attributes WHERE \(clause)") {
                #expect(r["path"]?.string == file)
                let bytes = r["base64"]?.int == 1 ? Base64.decode(Array(r["value"]!.string.utf8)) ?? [] : Array(r["value"]!.string.utf8)
                seen[r["key"]!.string] = bytes.map { String(format: "%02x", $0) }.joined()
            }
            #expect(seen == expected, "\(clause)")
        }
        #expect(try query("SELECT base64 FROM extended_attributes WHERE path = '\(file)' AND key = 'user.vigil_binary'").first?["base64"]?.int == 1)
        #expect(try query("SELECT value, base64 FROM extended_attributes WHERE path = '\(file)' AND key = 'user.vigil_text'").first?["value"]?.string == "hello world")
    }

    @Test func requiresPathOrDirectory() {
        #expect(throws: (any Error).self) { try query("SELECT * FROM extended_attributes") }
    }
}
