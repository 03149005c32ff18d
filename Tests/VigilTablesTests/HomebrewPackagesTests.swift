import Foundation
import Testing
import VigilSQL
@testable import VigilTables
import VigilTestSupport

/// A Homebrew prefix in its layout, written by the test (no Homebrew on the test machines).
@Suite(.ownThread) struct HomebrewPackagesTests {
    static func prefix() throws -> URL {
        let dir = try temporaryDirectory()
        let prefix = dir.appendingPathComponent("linuxbrew")
        func write(_ path: String, _ text: String) throws {
            let url = prefix.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        // The Cellar through a link, as Homebrew resolves it to its real path.
        try write("Homebrew/Cellar/hello/2.12.1/INSTALL_RECEIPT.json", "{}")
        try write("Homebrew/Cellar/openssl@3/3.3.1/INSTALL_RECEIPT.json", "{}")
        try write("Homebrew/Cellar/openssl@3/3.3.2/INSTALL_RECEIPT.json", "{}")
        try write("Homebrew/Cellar/openssl@3/.keep", "")
        try write("Homebrew/Cellar/README", "not a formula")
        try FileManager.default.createSymbolicLink(atPath: prefix.appendingPathComponent("Cellar").path, withDestinationPath: "Homebrew/Cellar")
        // A cask with Homebrew's JSON cask file, and an older install's Ruby one.
        try write("Caskroom/firefox/130.0/Firefox.app/Contents/Info.plist", "")
        try write("Caskroom/firefox/.metadata/130.0/20240901120000.000/Casks/firefox.json", """
            {"token": "firefox", "version": "130.0", "auto_updates": true,
             "artifacts": [{"uninstall": [{"quit": "org.mozilla.firefox"}]}, {"app": ["Firefox.app"]}, {"zap": []}]}
            """)
        try write("Caskroom/vlc/3.0.18/VLC.app/Contents/Info.plist", "")
        try write("Caskroom/vlc/.metadata/3.0.18/20230607170348.510/Casks/vlc.rb", """
            cask "vlc" do
              version "3.0.18"
              # auto_updates true (a comment, not the stanza)
              app "VLC.app"
            end
            """)
        return dir
    }

    @Test func formulaeAndCasks() throws {
        let dir = try Self.prefix()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prefix = dir.appendingPathComponent("linuxbrew").path
        let real = dir.resolvingSymlinksInPath().appendingPathComponent("linuxbrew").path
        let rows = try query("SELECT *, prefix FROM homebrew_packages WHERE prefix = '\(prefix)' ORDER BY type DESC, name, version")
        #expect(rows.map { "\($0["type"]!.string) \($0["name"]!.string) \($0["version"]!.string)" } == [
            "formula hello 2.12.1", "formula openssl@3 3.3.1", "formula openssl@3 3.3.2", "cask firefox 130.0", "cask vlc 3.0.18",
        ])
        #expect(rows[1]["path"]?.string == real + "/Homebrew/Cellar/openssl@3")
        #expect(rows[3]["path"]?.string == real + "/Caskroom/firefox")
        #expect(rows.allSatisfy { $0["prefix"]?.string == prefix })
        #expect(rows.map { $0["auto_updates"]?.integer } == [nil, nil, nil, 1, 0])
        #expect(rows.map { $0["app_name"]?.text } == [nil, nil, nil, "Firefox.app", "VLC.app"])
        // The same rows as the folders the shell lists.
        let listed = try shell(["sh", "-c", "cd '\(prefix)' && ls -d Cellar/*/[!.]* Caskroom/*/[!.]*"]).split(separator: "\n")
        #expect(listed.count == rows.count)
    }

    /// Without prefix =, Linuxbrew's prefix: none on this host, and no error.
    @Test func defaultPrefix() throws {
        guard !FileManager.default.fileExists(atPath: "/home/linuxbrew/.linuxbrew") else { return }
        #expect(try query("SELECT * FROM homebrew_packages").isEmpty)
        #expect(try query("SELECT * FROM homebrew_packages WHERE prefix = '/nonexistent'").isEmpty)
    }
}
