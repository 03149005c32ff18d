import Foundation
import Testing
import VigilTestSupport

/// `vigil query` on a host where systemd runs, as root: run inside the namespaces
/// of a manager the test boots (BootedSystemd), where /run/systemd/system and the
/// private socket exist and no bus daemon runs, so the table can only have asked the
/// manager peer to peer on /run/systemd/private. Checked against `systemctl` run in
/// the same namespaces; and a manager stopped with SIGSTOP makes the query fail,
/// saying so, within the timeout.
@Suite(.ownThread, .serialized) struct SystemdPrivateSocketTests {
    /// The folders the binary needs inside the manager's root: its own and those of
    /// the shared libraries it links from outside /usr (the Swift runtime under /opt).
    static func binds() -> [String] {
        let binary = URL(fileURLWithPath: CLI.binary).resolvingSymlinksInPath()
        var folders: Set<String> = [binary.deletingLastPathComponent().path]
        for line in runToEnd(["ldd", binary.path]).output.split(separator: "\n") {
            guard let arrow = line.range(of: "=> /") else { continue }
            let path = line[line.index(before: arrow.upperBound)...].split(separator: " ").first.map(String.init) ?? ""
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            if !folder.hasPrefix("/usr/") && !folder.hasPrefix("/lib") { folders.insert(folder) }
        }
        return folders.sorted()
    }

    static func vigilInside(_ systemd: BootedSystemd, _ sql: String) -> (status: Int32, output: String) {
        systemd.run(["env", "-u", "DBUS_SYSTEM_BUS_ADDRESS", URL(fileURLWithPath: CLI.binary).resolvingSymlinksInPath().path, "query", sql, "--format", "json"])
    }

    static func rows(_ json: String) throws -> [[String: String]] {
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] ?? []
        return parsed.map { $0.mapValues { "\($0)" } }
    }

    @Test(.enabled(if: BootedSystemd.available || ProcessInfo.processInfo.environment["CI"] == "true", "needs root and systemd"))
    func statesThroughThePrivateSocket() throws {
        try #require(BootedSystemd.available, "cannot boot systemd here")
        let systemd = try BootedSystemd(binds: Self.binds())
        defer { systemd.stop() }
        // No bus daemon: only the private socket leads to the manager.
        #expect(!FileManager.default.fileExists(atPath: systemd.root + "/run/dbus/system_bus_socket"))
        try "[Unit]\nDescription=Vigil sleeper\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep 1000\n"
            .write(toFile: systemd.root + "/etc/systemd/system/vigil-sleep.service", atomically: false, encoding: .utf8)
        #expect(systemd.systemctl(["daemon-reload"]).status == 0)
        #expect(systemd.systemctl(["start", "vigil-sleep.service"]).status == 0)

        let r = Self.vigilInside(systemd, "SELECT id, load_state, active_state, sub_state, unit_file_state, fragment_path FROM systemd_units")
        try #require(r.status == 0, "\(r.output)")
        let byID = Dictionary(try Self.rows(r.output).map { ($0["id"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        let truth = systemd.systemctl(["list-units", "--all", "--no-legend", "--plain", "--full"]).output.split(separator: "\n")
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }.filter { $0.count >= 4 }
        #expect(truth.count > 20)
        #expect(Set(byID.keys) == Set(truth.map { $0[0] }))
        for unit in truth {
            #expect([byID[unit[0]]?["load_state"], byID[unit[0]]?["active_state"], byID[unit[0]]?["sub_state"]] == [unit[1], unit[2], unit[3]], "\(unit[0])")
        }
        for unit in ["vigil-sleep.service", "init.scope", "-.mount", "vigil-test-boot.target"] {
            var show: [String: String] = [:]
            for line in systemd.systemctl(["show", "-p", "UnitFileState,FragmentPath,ActiveState,SubState", "--", unit]).output.split(separator: "\n") {
                if let eq = line.firstIndex(of: "=") { show[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
            }
            for (column, key) in [("unit_file_state", "UnitFileState"), ("fragment_path", "FragmentPath"), ("active_state", "ActiveState"), ("sub_state", "SubState")] {
                #expect(byID[unit]?[column] == show[key] ?? "", "\(unit) \(column)")
            }
        }
        #expect(byID["vigil-sleep.service"]?["sub_state"] == "running")

        // A manager that does not answer: the query fails within the timeout and says why.
        kill(systemd.pid, SIGSTOP)
        defer { kill(systemd.pid, SIGCONT) }
        let start = Date()
        let hung = Self.vigilInside(systemd, "SELECT id FROM systemd_units WHERE active_state = 'active'")
        let took = Date().timeIntervalSince(start)
        #expect(hung.status != 0)
        #expect(hung.output.contains("no answer from the systemd manager within 2000 ms"), "\(hung.output)")
        #expect(took < 6, "took \(took) s")
    }
}
