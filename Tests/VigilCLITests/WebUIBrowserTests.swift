import Foundation
import Testing
import VigilTestSupport

/// The web UI in a real browser against `vigil up` and its real agent: Tests/browser/
/// webui_check.py drives Debian's chromium through Selenium (both installed by
/// scripts/bootstrap). Without them it is skipped, and reported so; in CI it runs and
/// fails, as a skip there would hide a missing install.
@Suite(.ownThread, .serialized) struct WebUIBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var python: String {
        ProcessInfo.processInfo.environment["VIGIL_BROWSER_PYTHON"] ?? root.appendingPathComponent(".build/browser-venv/bin/python").path
    }
    static var browserInstalled: Bool {
        ["/usr/bin/chromium", "/usr/bin/chromedriver", python].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }
    /// Screenshots, kept after the run for a person to look at.
    static var artifacts: String {
        ProcessInfo.processInfo.environment["VIGIL_ARTIFACTS"].map { $0 + "/webui" } ?? root.appendingPathComponent(".build/webui-screenshots").path
    }

    @Test(.enabled(if: browserInstalled || ProcessInfo.processInfo.environment["CI"] == "true", "needs chromium, chromedriver and Selenium (scripts/bootstrap)"))
    func logInFindThisHostSeeItsChartAndWatchALiveQueryArrive() throws {
        try #require(Self.browserInstalled, "chromium, chromedriver or Selenium missing: run scripts/bootstrap")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-webui-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // A process whose name (comm, 15 bytes at most) and argv[0] are markup.
        let markupName = "<img src=x>", markupArgv0 = "<img src=x onerror=alert(1)>"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: dir + "/bin/" + markupName)
        let markup = try spawnClean(["/bin/bash", "-c", "exec -a \"$1\" \"$0\" 600", dir + "/bin/" + markupName, markupArgv0])
        defer { kill(markup, SIGKILL); _ = reap(markup) }

        let port = try RunningServer.freePort()
        let up = try spawnClean(["/bin/sh", "-c", "exec '\(CLI.binary)' up --listen 127.0.0.1:\(port) --data-dir '\(dir)/up' >'\(dir)/up.out' 2>'\(dir)/up.log'"])
        defer { kill(up, SIGTERM); _ = reap(up) }
        let upLog = { ((try? String(contentsOfFile: dir + "/up.log", encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: dir + "/up/agent.log", encoding: .utf8)) ?? "") }
        try #require(poll(30) { (try? String(contentsOfFile: dir + "/up.out", encoding: .utf8))?.contains("listening on") == true }, "vigil up did not listen: \(upLog())")

        // Wait until the local agent has enrolled (the API, with curl).
        let url = "https://127.0.0.1:\(port)", ca = dir + "/up/tls/ca.pem"
        func curl(_ arguments: [String]) throws -> String { try CLI.run(["-sS", "--max-time", "10", "--cacert", ca] + arguments, executable: "/usr/bin/curl").stdout }
        let password = try String(contentsOfFile: dir + "/up/admin_password", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let login = try curl(["-d", #"{"password":"\#(password)"}"#, url + "/api/v1/login"])
        let token = try #require((try JSONSerialization.jsonObject(with: Data(login.utf8)) as? [String: Any])?["token"] as? String, "\(login)")
        #expect(poll(60) { try curl(["-H", "Authorization: Bearer \(token)", url + "/api/v1/hosts"]).contains("\"agent\":\"vigil\"") }, "the local agent did not enroll: \(upLog())")

        let result = try CLI.run([Self.root.appendingPathComponent("Tests/browser/webui_check.py").path, url, dir + "/up/admin_password",
                                  ProcessInfo.processInfo.hostName, String(markup), markupName, markupArgv0, Self.artifacts],
                                 executable: Self.python, timeout: 300)
        print(result.stdout)
        #expect(result.status == 0 && result.stdout.contains("browser checks passed"),
                "\(result.stdout)\n\(result.stderr.suffix(3000))\n--- vigil up ---\n\(upLog().suffix(3000))")
        for page in ["login", "dashboard", "dashboard-dark", "hosts", "host", "live", "profiles", "live-form", "queries", "labels", "packs",
                     "performance", "settings", "users"] {
            #expect(FileManager.default.fileExists(atPath: Self.artifacts + "/\(page).png"), "no screenshot of \(page)")
        }
    }
}
