import Foundation
import Testing
import VigilTestSupport

/// `make package`'s script on the debug binary: the package builds, installs with
/// dpkg, its units pass `systemd-analyze verify` (no systemd needs to run), the agent
/// takes the shipped config, and remove and purge leave nothing of it behind but what
/// Debian policy keeps (the conffiles and data until purge).
@Suite(.ownThread, .serialized) struct PackageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    struct Shell {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @discardableResult
    func sh(_ command: String, environment: [String: String] = [:]) throws -> Shell {
        let r = try CLI.run(["-c", environment.map { "\($0.key)='\($0.value)' " }.joined() + command], executable: "/bin/bash")
        return Shell(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// Where deb-systemd-helper records that the agent is enabled (and the link that
    /// enables it): made on install, gone after remove.
    static let unitLinks = ["/etc/systemd/system/multi-user.target.wants/vigil-agent.service",
                            "/var/lib/systemd/deb-systemd-helper-enabled/vigil-agent.service.dsh-also",
                            "/var/lib/systemd/deb-systemd-helper-enabled/vigil-server.service.dsh-also",
                            "/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/vigil-agent.service"]

    /// /etc/vigil/agent.yaml is `vigil agent --print-default-config`: the config that
    /// runs without --config, which the agent's own check takes.
    @Test func printedDefaultConfigIsOneTheAgentTakes() throws {
        let printed = try CLI.vigil("agent", "--print-default-config")
        #expect(printed.status == 0 && printed.stdout.contains("\nschedule:\n  system_info:\n"), "\(printed.stdout)\(printed.stderr)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-default-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try printed.stdout.write(toFile: dir + "/agent.yaml", atomically: true, encoding: .utf8)
        let check = try CLI.run(["agent", "--check-config", "--config", dir + "/agent.yaml", "--data-dir", dir + "/data"])
        #expect(check.status == 0 && check.stdout.hasSuffix("agent.yaml: ok\n"), "\(check.stdout)\(check.stderr)")
    }

    @Test(.requiresRoot, .timeLimit(.minutes(10)))
    func buildsInstallsVerifiesAndRemovesCleanly() throws {
        try requireRoot()
        let installed = try sh("dpkg-query -W -f='${Status}' vigil 2>/dev/null").stdout
        try #require(!installed.contains("installed"), "a vigil package is installed on this machine (\(installed)); this test would replace it")
        let man = try #require(CLI.manDirectory, "no man pages: run `make man` (make test does)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-deb-\(UUID().uuidString)").path
        defer {
            _ = try? sh("dpkg -P vigil >/dev/null 2>&1")
            try? FileManager.default.removeItem(atPath: out)
        }

        let built = try sh("'\(Self.root)/scripts/package-deb' '\(CLI.binary)' '\(man)' '\(out)'", environment: ["PACKAGE_DEB_COMPRESSION": "none"])
        try #require(built.status == 0, "\(built.stderr)")
        let deb = built.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(deb.hasSuffix(".deb"))

        // What dpkg-deb sees: the control fields and every file in its place.
        let info = try sh("dpkg-deb --field '\(deb)' Package Version Depends")
        #expect(info.stdout.contains("Package: vigil"), "\(info.stdout)")
        #expect(info.stdout.contains("libsqlite3-0") && info.stdout.contains("libbpf1"), "\(info.stdout)")
        let contents = try sh("dpkg-deb --contents '\(deb)'").stdout
        let files = contents.split(separator: "\n").compactMap { $0.split(separator: " ").last.map { String($0.dropFirst()) } }
        for expected in ["/usr/bin/vigil", "/lib/systemd/system/vigil-agent.service", "/lib/systemd/system/vigil-server.service",
                         "/etc/vigil/agent.yaml", "/etc/vigil/server.env", "/var/lib/vigil/", "/usr/share/man/man1/vigil.1.gz",
                         "/usr/share/man/man1/vigil.agent.1.gz", "/usr/share/bash-completion/completions/vigil",
                         "/usr/share/zsh/vendor-completions/_vigil", "/usr/share/fish/vendor_completions.d/vigil.fish"] {
            #expect(files.contains(expected), "\(expected) missing from the package:\n\(contents)")
        }
        #expect(contents.contains("drwx------ root/root") && contents.contains("./var/lib/vigil/"), "\(contents)")
        #expect(try sh("dpkg-deb --ctrl-tarfile '\(deb)' | tar -xO ./conffiles").stdout == "/etc/vigil/agent.yaml\n/etc/vigil/server.env\n")

        let install = try sh("dpkg -i '\(deb)'")
        try #require(install.status == 0, "\(install.stdout)\(install.stderr)")
        #expect(try sh("/usr/bin/vigil --version").stdout.hasPrefix("vigil "))
        // The units as systemd reads them: syntax, the binary they start, the man pages they name.
        let verify = try sh("systemd-analyze verify vigil-agent.service vigil-server.service")
        #expect(verify.status == 0 && verify.stderr.isEmpty && verify.stdout.isEmpty, "\(verify.stdout)\(verify.stderr)")
        // The server is hardened hard; the agent as far as its work allows (see the unit).
        let server = try sh("systemd-analyze security --offline=true --no-pager vigil-server.service | tail -1")
        let agent = try sh("systemd-analyze security --offline=true --no-pager vigil-agent.service | tail -1")
        let exposure = { (line: String) in Double(line.split(separator: ":").last?.split(separator: " ").first ?? "") ?? 10 }
        #expect(exposure(server.stdout) <= 2.0, "\(server.stdout)")
        #expect(exposure(agent.stdout) <= 7.0, "\(agent.stdout)")
        // The agent's ExecStart takes the shipped config.
        let unit = try String(contentsOfFile: "/lib/systemd/system/vigil-agent.service", encoding: .utf8)
        let execStart = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }).dropFirst("ExecStart=".count)
        let check = try sh("\(execStart) --check-config")
        #expect(check.status == 0, "\(execStart): \(check.stdout)\(check.stderr)")
        #expect(try sh("man -w vigil.agent").stdout == "/usr/share/man/man1/vigil.agent.1.gz\n")
        // Installing enables the agent (not the server), as Debian packages enable their services.
        #expect(FileManager.default.fileExists(atPath: Self.unitLinks[0]))
        #expect(!FileManager.default.fileExists(atPath: "/etc/systemd/system/multi-user.target.wants/vigil-server.service"))

        // Remove: the data (here a file the agent would write) and the conffiles stay.
        try "state".write(toFile: "/var/lib/vigil/state.db", atomically: true, encoding: .utf8)
        let remove = try sh("dpkg -r vigil")
        #expect(remove.status == 0, "\(remove.stdout)\(remove.stderr)")
        let kept = ["/etc/vigil/agent.yaml", "/etc/vigil/server.env", "/var/lib/vigil/state.db"]
        for path in files where !kept.contains(path) && !path.hasSuffix("/") {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) left after dpkg -r")
        }
        for path in Self.unitLinks {
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == nil && !FileManager.default.fileExists(atPath: path),
                    "\(path) left after dpkg -r")
        }
        for path in kept { #expect(FileManager.default.fileExists(atPath: path), "\(path) gone after dpkg -r") }

        // Purge: nothing left.
        let purge = try sh("dpkg -P vigil")
        #expect(purge.status == 0, "\(purge.stdout)\(purge.stderr)")
        for path in ["/etc/vigil", "/var/lib/vigil", "/var/lib/vigil-server"] + kept {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) left after dpkg -P")
        }
        #expect(try sh("dpkg-query -W vigil 2>&1").stdout.contains("no packages found"))
    }
}
