import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// vscode_extensions on an extensions.json the test writes for root in the shape
/// VS Code 1.9x writes it (no editor on the test machines), compared with the
/// same file read by Python's json module.
@Suite(.ownThread, .serialized, .requiresRoot) struct VSCodeExtensionsTests {
    @Test func extensionsJsonMatchesPython() throws {
        try requireRoot()
        let home = "/root/.vscode-oss"
        try #require(!FileManager.default.fileExists(atPath: home), "\(home) exists; the test will not touch it")
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/extensions", withIntermediateDirectories: true)
        let file = home + "/extensions/extensions.json"
        try """
        [{"identifier":{"id":"ms-python.python","uuid":"f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5"},"version":"2024.2.1",
          "location":{"$mid":1,"fsPath":"/root/.vscode-oss/extensions/ms-python.python-2024.2.1","path":"/root/.vscode-oss/extensions/ms-python.python-2024.2.1","scheme":"file"},
          "relativeLocation":"ms-python.python-2024.2.1",
          "metadata":{"id":"f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5","publisherId":"998b010b-e2af-44a5-a6cd-0b5fd3b9b6f8","publisherDisplayName":"Microsoft","installedTimestamp":1709000000123,"isPreReleaseVersion":false}},
         {"identifier":{"id":"rust-lang.rust-analyzer"},"version":"0.4.1800",
          "location":{"$mid":1,"path":"/root/.vscode-oss/extensions/rust-lang.rust-analyzer-0.4.1800-linux-x64","scheme":"file"},
          "metadata":{"publisherDisplayName":"The Rust Programming Language","installedTimestamp":1709000000456,"preRelease":true}}]
        """.write(toFile: file, atomically: true, encoding: .utf8)

        let script = """
        import json, sys
        for e in json.load(open(sys.argv[1])):
            m = e.get('metadata', {})
            print('|'.join(str(x) for x in [e['identifier']['id'], e['identifier'].get('uuid', ''), e['version'], e['location']['path'],
                m.get('publisherDisplayName', ''), m.get('publisherId', ''), m.get('installedTimestamp'),
                int(m.get('isPreReleaseVersion', m.get('preRelease', False)))]))
        """
        let expected = Set(try shell(["python3", "-c", script, file]).split(separator: "\n").map(String.init))
        try #require(expected.count == 2)
        let rows = try query("SELECT * FROM vscode_extensions WHERE uid = 0 AND vscode_edition = 'vscodium'")
        #expect(Set(rows.map { r in
            ["name", "uuid", "version", "path", "publisher", "publisher_id", "installed_at", "prerelease"].map { c in
                r[c]!.text ?? r[c]!.integer.map(String.init) ?? ""
            }.joined(separator: "|")
        }) == expected)
    }
}
