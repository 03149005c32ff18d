import Foundation
import VigilSQL
import VigilTables

/// SQL checked against the tables' schemas before it is sent to agents or saved: each
/// statement is prepared (never run) on an in-memory SQLite holding Vigil's tables, as
/// an agent would prepare it, so a syntax error, an unknown column, a write or a table
/// scanned without its required constraint is found here rather than on every host.
/// A table Vigil does not have is a warning, not an error: osquery agents have tables of
/// their own, and the Vigil agent's event and self-monitoring tables live in the agent.
enum SchemaCheck {
    struct Problem: Sendable, Equatable, Encodable {
        var message: String
        /// Byte offset in the SQL, when SQLite gives one.
        var offset: Int?
    }

    struct Outcome: Sendable, Equatable, Encodable {
        var errors: [Problem] = []
        var warnings: [Problem] = []
        var ok: Bool { errors.isEmpty }

        enum CodingKeys: String, CodingKey { case errors, warnings, ok }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(errors, forKey: .errors)
            try c.encode(warnings, forKey: .warnings)
            try c.encode(ok, forKey: .ok)
        }
    }

    /// The Vigil agent's own tables (VigilAgent, which the server does not link): known by
    /// name, their columns checked by the agent.
    static let agentTables: Set<String> = [
        "process_events", "socket_events", "file_events", "vigil_schedule", "osquery_schedule", "vigil_watchdog",
        "vigil_events", "vigil_outputs", "vigil_telemetry", "osquery_info", "osquery_events",
    ]

    static func check(_ sql: String) -> Outcome {
        var outcome = Outcome()
        let database: Database
        do { database = try Database(tables: TableRegistry.all()) } catch {
            outcome.warnings.append(Problem(message: "the schema check could not start (\(error)); the SQL was not checked"))
            return outcome
        }
        do {
            try database.forEachStatement(sql) { _ in }
        } catch let error as SQLError {
            if let table = error.message.suffix(after: "no such table: ") {
                let name = String(table.prefix { $0 != ";" })
                if !agentTables.contains(name) {
                    outcome.warnings.append(Problem(message: error.message + " — a Vigil agent will fail this query; osquery's own tables are not known here, so the rest was not checked",
                                                    offset: error.offset))
                }
            } else {
                outcome.errors.append(Problem(message: error.message, offset: error.offset))
            }
        } catch {
            outcome.errors.append(Problem(message: "\(error)"))
        }
        return outcome
    }
}

extension String {
    /// What follows `prefix` when the string starts with it.
    fileprivate func suffix(after prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
