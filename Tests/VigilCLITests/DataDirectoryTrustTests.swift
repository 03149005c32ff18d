import Foundation
import Testing
import VigilAgent
import VigilSystem
import VigilTestSupport

/// Issue 19, item 8: a data directory prepared by someone else. `nobody` made a
/// world-writable directory with results.log linked to a root-only file, and the
/// agent appended its results to that file.
@Suite(.ownThread, .serialized) struct DataDirectoryTrustTests {
    /// A fresh directory anyone may create in, as /tmp (sticky, mode 1777).
    func base() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-trust-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o1777)
        return path
    }

    func asNobody(_ arguments: [String]) throws -> Int32 {
        reap(try spawnClean(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + arguments, quiet: true))
    }

    @Test(.requiresRoot) func worldWritableDirectoryOfAnotherUserIsRefused() throws {
        try requireRoot()
        let dir = try base()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let secret = dir + "/secret"
        try "root only\n".write(toFile: secret, atomically: false, encoding: .utf8)
        chmod(secret, 0o600)
        #expect(try asNobody(["/bin/sh", "-c", "mkdir -m 777 \(dir)/data && ln -s \(secret) \(dir)/data/results.log"]) == 0)
        try AdminTests.clockConfig.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["agent", "--config", dir + "/config.yaml", "--data-dir", dir + "/data"], timeout: 20)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("refusing the data directory \(dir)/data: it is owned by uid 65534"), "\(r.stderr)")
        #expect(try String(contentsOfFile: secret, encoding: .utf8) == "root only\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/data") == ["results.log"])
    }

    /// Our own directory, but writable by others (mode 0777): refused too.
    @Test func ownDirectoryWritableByOthersIsRefused() throws {
        let dir = try base()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        mkdir(dir + "/data", 0o700)
        chmod(dir + "/data", 0o777)
        try AdminTests.clockConfig.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(["agent", "--config", dir + "/config.yaml", "--data-dir", dir + "/data"], timeout: 20)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("others may write to it (mode 777)"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/data").isEmpty)
    }

    /// The results log is opened with O_NOFOLLOW: a link in its place is an error,
    /// and the file it points at is untouched.
    @Test func resultsLogLinkIsNotFollowed() throws {
        let dir = try base()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "target\n".write(toFile: dir + "/target", atomically: false, encoding: .utf8)
        symlink(dir + "/target", dir + "/results.log")
        #expect(throws: SystemError.self) { _ = try ResultsLogFile(path: dir + "/results.log") }
        #expect(try String(contentsOfFile: dir + "/target", encoding: .utf8) == "target\n")
    }

    /// `vigil query --agent` against a socket served by another user (nobody, with a
    /// Python listener that records what it receives): refused before the SQL is sent.
    @Test(.requiresRoot) func clientRefusesAServerOfAnotherUser() throws {
        try requireRoot()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("python3 missing in CI") }
            return
        }
        let dir = try base()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        mkdir(dir + "/data", 0o777)
        chmod(dir + "/data", 0o777)
        let received = dir + "/data/received"
        let script = """
            import socket, os
            s = socket.socket(socket.AF_UNIX); s.bind("\(dir)/data/admin.sock"); s.listen(1)
            c, _ = s.accept(); c.settimeout(5)
            try: data = c.recv(65536)
            except Exception: data = b""
            open("\(received)", "wb").write(data)
            """
        let server = try spawnClean(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                                     "/usr/bin/python3", "-c", script], quiet: true)
        defer { kill(server, SIGKILL); reap(server) }
        let listening = (0..<100).contains { _ in
            usleep(50_000)
            return FileManager.default.fileExists(atPath: dir + "/data/admin.sock")
        }
        try #require(listening)
        let r = try CLI.run(["query", "--agent", "--data-dir", dir + "/data", "SELECT 'the secret question'"], timeout: 20)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("it is served by uid 65534"), "\(r.stderr)")
        // The listener wrote what it got once the client closed: nothing.
        _ = (0..<100).contains { _ in usleep(50_000); return FileManager.default.fileExists(atPath: received) }
        #expect(((try? String(contentsOfFile: received, encoding: .utf8)) ?? "") == "")
    }
}
