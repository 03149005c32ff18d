import Glibc
import VigilSQL
import VigilSystem

/// `systemd_units`: the units the running systemd manager has loaded, as osquery
/// lists them: org.freedesktop.systemd1.Manager.ListUnits over D-Bus (libsystemd's
/// sd-bus, `SystemdManager`), connected as systemctl connects (as root to
/// /run/systemd/private, else the system bus; $DBUS_SYSTEM_BUS_ADDRESS honoured).
/// The per-unit properties (fragment_path, source_path, user, unit_file_state) are
/// asked only when the query uses those columns, one call each per unit. Every call
/// ends within `timeoutMilliseconds`: a manager that does not answer makes the query
/// fail with an error that says so, never hang. Without a manager (sd_booted(3): no
/// /run/systemd/system) the rows are the unit files instead, inactive and dead
/// (SystemdUnitsTable+Files.swift). Tested against systemd 252 booted by the test as
/// PID 1 of its own namespaces, field by field with `systemctl` asked inside them.
public struct SystemdUnitsTable: VirtualTable {
    public let schema = TableSchema("systemd_units", "Track systemd units.", [
        Column("id", .text, "Unique unit identifier"),
        Column("description", .text, "Unit description"),
        Column("load_state", .text, "Reflects whether the unit definition was properly loaded (`loaded`, `not-found`, `masked`, ...); without a manager, `loaded` or `masked` from the file"),
        Column("active_state", .text, "The high-level unit activation state, i.e. generalization of SUB; `inactive` when no systemd manager runs"),
        Column("sub_state", .text, "The low-level unit activation state, values depend on unit type; `dead` when no systemd manager runs"),
        Column("unit_file_state", .text, "Whether the unit file is enabled, e.g. `enabled`, `masked`, `disabled`, `static`, `alias`, `indirect`, empty for a unit without a file (the manager's UnitFileState; without one, worked out from [Install] and the links in /etc/systemd/system, as systemctl does offline)"),
        Column("following", .text, "The name of another unit that this unit follows in state; empty when it follows none; NULL without a manager"),
        Column("object_path", .text, "The object path for this unit"),
        Column("job_id", .bigint, "Next queued job id; 0 without a job; NULL without a manager"),
        Column("job_type", .text, "Job type; empty without a job; NULL without a manager"),
        Column("job_path", .text, "The object path for the job; `/` without a job; NULL without a manager"),
        Column("fragment_path", .text, "The unit file path this unit was read from, if there is any"),
        Column("user", .text, "The configured user, if any"),
        Column("source_path", .text, "Path to the (possibly generated) unit configuration file"),
    ])

    /// The bound on each call to the manager, connection set-up included.
    public static let timeoutMilliseconds = 2_000

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let booted = SystemdManager.booted
        // An explicit system bus address is asked even where sd_booted says no: it
        // names a bus (a test's, a container's) whose manager the user means.
        guard booted || getenv("DBUS_SYSTEM_BUS_ADDRESS").map({ $0.pointee != 0 }) == true else { return fileRows(context, managerRuns: false) }
        let manager: SystemdManager, units: [SystemdManager.Unit]
        do {
            manager = try SystemdManager(timeoutMilliseconds: Self.timeoutMilliseconds)
            units = try manager.listUnits()
        } catch SystemdManagerError.libraryUnavailable {
            return fileRows(context, managerRuns: booted)
        } catch {
            guard booted else { return fileRows(context, managerRuns: false) }
            throw TableError("systemd_units: cannot ask the systemd manager (\(error))")
        }
        return managerRows(manager, units, context)
    }

    /// The properties osquery reads per unit, by column: (interface, property).
    static let unitProperties: [(column: String, interface: String, property: String)] = [
        ("fragment_path", "org.freedesktop.systemd1.Unit", "FragmentPath"),
        ("source_path", "org.freedesktop.systemd1.Unit", "SourcePath"),
        ("unit_file_state", "org.freedesktop.systemd1.Unit", "UnitFileState"),
        ("user", "org.freedesktop.systemd1.Service", "User"),
    ]

    func managerRows(_ manager: SystemdManager, _ units: [SystemdManager.Unit], _ context: QueryContext) -> RowSequence {
        let asked = Self.unitProperties.filter { context.isUsed($0.column) }
        return RowSequence(units) { unit in
            var row = Row(schema)
            row["id"] = .text(unit.id)
            row["description"] = .text(unit.description)
            row["load_state"] = .text(unit.loadState)
            row["active_state"] = .text(unit.activeState)
            row["sub_state"] = .text(unit.subState)
            row["following"] = .text(unit.following)
            row["object_path"] = .text(unit.objectPath)
            row["job_id"] = .integer(Int64(unit.jobID))
            row["job_type"] = .text(unit.jobType)
            row["job_path"] = .text(unit.jobPath)
            for p in asked {
                do {
                    // No such interface (User of a socket): empty, as osquery shows it.
                    row[p.column] = .text(try manager.stringProperty(unit.objectPath, interface: p.interface, p.property) ?? "")
                } catch {
                    throw TableError("systemd_units: \(error)")
                }
            }
            return row
        }
    }
}
