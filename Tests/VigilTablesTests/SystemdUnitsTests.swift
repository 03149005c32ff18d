import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// systemd_units without a manager against `systemctl --root=/ list-unit-files`
/// (systemctl reads the unit folders itself when no manager runs, as on the test
/// machines); with one (SystemdManagerTests.swift) against systemctl asking it.
@Suite(.ownThread, .serialized, .requiresRoot) struct SystemdUnitsTests {
    static func unitFiles() throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try shell(["systemctl", "--root=/", "list-unit-files", "--no-pager", "--no-legend"]).split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count >= 2 { out[String(f[0])] = String(f[1]) }
        }
        return out
    }

    @Test func unitsMatchSystemctlListUnitFiles() throws {
        try requireRoot()
        // Under a running manager the rows are its loaded units, not the files (tested beside).
        guard !FileManager.default.fileExists(atPath: "/run/systemd/system") else { return }
        // A unit of the test's own, with a description and a user.
        let name = "vigil-test-\(UInt32.random(in: 0..<1_000_000)).service"
        let path = "/etc/systemd/system/\(name)"
        try "[Unit]\nDescription=Vigil test unit\n\n[Service]\nUser=nobody\nExecStart=/bin/true\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }

        let truth = try Self.unitFiles()
        try #require(truth[name] != nil, "systemctl does not list \(name)")
        // Templates (name@.service) are unit files but never units of their own.
        let expected = Set(truth.keys.filter { !$0.contains("@.") })
        let rows = try query("SELECT id, load_state, unit_file_state, description, user, fragment_path, object_path FROM systemd_units")
        let byID = Dictionary(rows.map { ($0["id"]!.string, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(byID.keys) == expected)
        #expect(byID.count == rows.count, "a unit listed twice")
        for (unit, state) in truth where byID[unit] != nil {
            #expect((byID[unit]?["load_state"]?.string == "masked") == (state == "masked"), "\(unit): \(state)")
            #expect(byID[unit]?["unit_file_state"]?.string == state, "\(unit)")
        }
        let mine = try #require(byID[name])
        #expect(mine["description"]?.string == "Vigil test unit")
        #expect(mine["user"]?.string == "nobody")
        #expect(mine["unit_file_state"]?.string == "static")   // no [Install] section
        #expect(mine["fragment_path"]?.string == path)
        #expect(mine["object_path"]?.string == "/org/freedesktop/systemd1/unit/" + name.replacingOccurrences(of: "-", with: "_2d").replacingOccurrences(of: ".", with: "_2e"))
    }

    /// active_state and sub_state where they can be known without asking a manager:
    /// with none running (systemctl says the system was not booted with systemd, and
    /// sd_booted's /run/systemd/system is absent) every unit is inactive and dead.
    @Test func statesWithoutARunningManager() throws {
        try requireRoot()
        let running = try shell(["systemctl", "is-system-running"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let booted = FileManager.default.fileExists(atPath: "/run/systemd/system")
        let rows = try query("SELECT id, active_state, sub_state FROM systemd_units")
        try #require(!rows.isEmpty)
        if !booted {
            // systemctl's own verdict: "offline" (no manager to ask).
            #expect(running == "offline", "systemctl is-system-running: \(running)")
            for row in rows {
                #expect(row["active_state"]?.string == "inactive" && row["sub_state"]?.string == "dead", "\(row["id"]!.string)")
            }
        } else {
            // A manager runs: the rows are its units, with its states.
            #expect(running != "offline")
            #expect(rows.allSatisfy { $0["active_state"] != .null && $0["sub_state"] != .null })
        }
    }
}
