import Foundation
import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// systemd_units under a real manager: systemd 252 booted by the test in its own
/// namespaces (BootedSystemd), reached from this process through the system bus
/// started in it ($DBUS_SYSTEM_BUS_ADDRESS), each field checked against `systemctl`
/// run inside the same namespaces. The private socket, as root on a systemd host
/// uses it, is tested from inside by the CLI (VigilCLITests' SystemdPrivateSocketTests).
/// In the same serialized suite as the file-based tests: they share the environment.
extension SystemdUnitsTests {
    /// Units the test writes: a enabled oneshot that stays active, a static service
    /// that runs, one that fails.
    static let testUnits = [
        "vigil-oneshot.service": "[Unit]\nDescription=Vigil oneshot\nDefaultDependencies=no\n[Service]\nType=oneshot\nRemainAfterExit=yes\nUser=nobody\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
        "vigil-sleep.service": "[Unit]\nDescription=Vigil sleeper\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep 1000\n",
        "vigil-fail.service": "[Unit]\nDescription=Vigil failure\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/false\n",
        // A start job that stays running (a oneshot is activating until its command ends).
        "vigil-slow.service": "[Unit]\nDescription=Vigil slow start\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/sleep 1000\n",
    ]

    /// Writes `testUnits` into the manager's /etc, enables and starts them, and one transient unit.
    static func startTestUnits(_ systemd: BootedSystemd) throws {
        for (name, text) in testUnits { try text.write(toFile: systemd.root + "/etc/systemd/system/" + name, atomically: false, encoding: .utf8) }
        #expect(systemd.systemctl(["daemon-reload"]).status == 0)
        #expect(systemd.systemctl(["enable", "vigil-oneshot.service"]).status == 0)
        #expect(systemd.systemctl(["start", "vigil-oneshot.service", "vigil-sleep.service"]).status == 0)
        #expect(systemd.systemctl(["start", "vigil-fail.service"]).status != 0)
        #expect(systemd.systemctl(["start", "--no-block", "vigil-slow.service"]).status == 0)
        let run = systemd.run(["systemd-run", "--unit=vigil-transient", "--property=DefaultDependencies=no", "/bin/sleep", "1000"])
        #expect(run.status == 0, "\(run.output)")
    }

    /// `systemctl list-units --all`: every loaded unit → (load, active, sub, description).
    /// Its columns are cut at the header's offsets: a JOB column comes and goes with jobs.
    static func listUnits(_ systemd: BootedSystemd) -> [String: [String]] {
        let lines = systemd.systemctl(["list-units", "--all", "--plain", "--full"]).output.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        guard let header = lines.first.map({ String($0) }) else { return [:] }
        let names = ["UNIT", "LOAD", "ACTIVE", "SUB", "JOB", "DESCRIPTION"]
        let starts = names.compactMap { name in header.range(of: name).map { (name, header.distance(from: header.startIndex, to: $0.lowerBound)) } }
        var out: [String: [String]] = [:]
        for line in lines.dropFirst() {
            if line.allSatisfy({ $0 == " " }) { break }  // the legend follows a blank line
            var field: [String: String] = [:]
            for (i, (name, start)) in starts.enumerated() {
                let end = i + 1 < starts.count ? starts[i + 1].1 : line.count
                field[name] = start < line.count ? String(line[start..<min(end, line.count)]).trimmingCharacters(in: .whitespaces) : ""
            }
            if let unit = field["UNIT"] { out[unit] = [field["LOAD"] ?? "", field["ACTIVE"] ?? "", field["SUB"] ?? "", field["DESCRIPTION"] ?? ""] }
        }
        return out
    }

    /// `systemctl show -p …` of one unit, as Key → value.
    static func show(_ systemd: BootedSystemd, _ unit: String) -> [String: String] {
        let keys = "Id,Description,LoadState,ActiveState,SubState,UnitFileState,FragmentPath,SourcePath,Following,User"
        var out: [String: String] = [:]
        for line in systemd.systemctl(["show", "-p", keys, "--", unit]).output.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    /// Runs `body` with this process's system bus address pointed at `address`.
    static func withBus<T>(_ address: String, _ body: () throws -> T) rethrows -> T {
        setenv("DBUS_SYSTEM_BUS_ADDRESS", address, 1)
        defer { unsetenv("DBUS_SYSTEM_BUS_ADDRESS") }
        return try body()
    }

    @Test(.enabled(if: BootedSystemd.available || ProcessInfo.processInfo.environment["CI"] == "true", "needs root and systemd"))
    func unitsOfARunningManagerMatchSystemctl() throws {
        try #require(BootedSystemd.available, "cannot boot systemd here")
        let systemd = try BootedSystemd()
        defer { systemd.stop() }
        try systemd.startBus()
        try Self.startTestUnits(systemd)

        // Units can load or change between two looks: compare those systemctl saw the same before and after.
        let before = Self.listUnits(systemd)
        let rows = try Self.withBus(systemd.busAddress) {
            try query("SELECT * FROM systemd_units")
        }
        let after = Self.listUnits(systemd)
        let stable = before.filter { after[$0.key] == $0.value }
        let byID = Dictionary(rows.map { ($0["id"]!.string, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byID.count == rows.count, "a unit listed twice")
        #expect(stable.count > 20, "systemctl lists \(before.count) units")
        for (unit, fields) in stable {
            let row = try #require(byID[unit], "\(unit) missing")
            #expect([row["load_state"]!.string, row["active_state"]!.string, row["sub_state"]!.string, row["description"]!.string] == fields, "\(unit)")
        }
        #expect(Set(byID.keys).isSubset(of: Set(before.keys).union(after.keys)), "units systemctl never listed: \(Set(byID.keys).subtracting(before.keys).subtracting(after.keys))")

        // Field by field against systemctl show, for the test's units and some of systemd's own.
        for unit in Self.testUnits.keys.sorted() + ["vigil-transient.service", "init.scope", "-.mount", "dbus.service", "dbus.socket", "-.slice", "vigil-test-boot.target"] {
            let truth = Self.show(systemd, unit)
            let row = try #require(byID[unit], "\(unit) missing")
            for (column, key) in [("description", "Description"), ("load_state", "LoadState"), ("active_state", "ActiveState"), ("sub_state", "SubState"),
                                  ("unit_file_state", "UnitFileState"), ("fragment_path", "FragmentPath"), ("source_path", "SourcePath"),
                                  ("following", "Following"), ("user", "User")] {
                #expect(row[column]?.string == truth[key] ?? "", "\(unit) \(column): systemctl show says \(truth[key] ?? "(none)")")
            }
            // No job is pending once the units have settled (but vigil-slow's, checked below).
            #expect(unit == "vigil-slow.service" || row["job_id"]?.int == 0 && row["job_type"]?.string == "" && row["job_path"]?.string == "/", "\(unit)")
            // The object path as the manager's GetUnit gives it (busctl prints `o "/org/…"`).
            let path = systemd.run(["busctl", "--", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "GetUnit", "s", unit]).output
            #expect("o \"" + (row["object_path"]?.string ?? "") + "\"" == path.trimmingCharacters(in: .whitespacesAndNewlines), "\(unit)")
        }
        // The pending job, as systemctl list-jobs shows it (JOB UNIT TYPE STATE).
        let job = systemd.systemctl(["list-jobs", "--no-legend", "--plain", "vigil-slow.service"]).output
            .split(separator: " ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(job.count >= 3, "systemctl list-jobs: \(job)")
        let slow = try #require(byID["vigil-slow.service"])
        #expect(slow["job_id"]?.int == Int64(job[0]) && slow["job_type"]?.string == job[2], "\(job)")
        #expect(slow["job_path"]?.string == "/org/freedesktop/systemd1/job/" + job[0])
        #expect(slow["active_state"]?.string == "activating" && slow["sub_state"]?.string == "start")
        // The states the test made, spelled out.
        #expect(byID["vigil-oneshot.service"]?["active_state"]?.string == "active" && byID["vigil-oneshot.service"]?["sub_state"]?.string == "exited")
        #expect(byID["vigil-oneshot.service"]?["unit_file_state"]?.string == "enabled" && byID["vigil-oneshot.service"]?["user"]?.string == "nobody")
        #expect(byID["vigil-sleep.service"]?["sub_state"]?.string == "running" && byID["vigil-sleep.service"]?["unit_file_state"]?.string == "static")
        #expect(byID["vigil-fail.service"]?["active_state"]?.string == "failed")
        #expect(byID["vigil-transient.service"]?["unit_file_state"]?.string == "transient")

        // The query the issue names: the active units, as systemctl lists them.
        let activeTruth = Set(systemd.systemctl(["list-units", "--state=active", "--no-legend", "--plain", "--full"]).output
            .split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
        let active = try Self.withBus(systemd.busAddress) { try query("SELECT id FROM systemd_units WHERE active_state = 'active'") }
        #expect(Set(active.map { $0["id"]!.string }) == activeTruth)

        // Stopped: inactive and dead, or unloaded (systemd drops an unreferenced stopped unit), as systemctl says.
        #expect(systemd.systemctl(["stop", "vigil-sleep.service"]).status == 0)
        let stopped = try Self.withBus(systemd.busAddress) { try query("SELECT active_state, sub_state FROM systemd_units WHERE id = 'vigil-sleep.service'") }
        if let truth = Self.listUnits(systemd)["vigil-sleep.service"] {
            #expect(stopped.map { [$0["active_state"]!.string, $0["sub_state"]!.string] } == [Array(truth[1...2])])
        } else {
            #expect(stopped.isEmpty)
        }
    }

    /// A bus whose manager does not answer (systemd stopped with SIGSTOP): the query
    /// ends within the timeout; here, where sd_booted says no manager runs, with the
    /// unit files' rows. A bus address that leads nowhere does the same at once.
    @Test(.enabled(if: BootedSystemd.available || ProcessInfo.processInfo.environment["CI"] == "true", "needs root and systemd"))
    func aManagerThatDoesNotAnswerEndsTheQueryInTime() throws {
        try #require(BootedSystemd.available, "cannot boot systemd here")
        try #require(!FileManager.default.fileExists(atPath: "/run/systemd/system"), "this host runs systemd")
        let files = try query("SELECT id, active_state FROM systemd_units")
        let nowhere = try Self.withBus("unix:path=/nonexistent/bus") { try query("SELECT id, active_state FROM systemd_units") }
        #expect(nowhere == files)

        let systemd = try BootedSystemd()
        defer { systemd.stop() }
        try systemd.startBus()
        kill(systemd.pid, SIGSTOP)
        defer { kill(systemd.pid, SIGCONT) }
        let start = Date()
        let rows = try Self.withBus(systemd.busAddress) { try query("SELECT id, active_state FROM systemd_units") }
        let took = Date().timeIntervalSince(start)
        #expect(took < Double(SystemdUnitsTable.timeoutMilliseconds) / 1000 + 2, "took \(took) s")
        #expect(took >= Double(SystemdUnitsTable.timeoutMilliseconds) / 1000 - 0.1, "did not wait for the manager: \(took) s")
        #expect(rows == files)
    }
}
