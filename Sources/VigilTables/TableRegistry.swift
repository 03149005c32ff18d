import VigilSQL

/// Every table Vigil serves, in one place: the CLI, the shell, the docs generator
/// and `vigil_tables` all read this list.
public enum TableRegistry {
    /// The OS tables (everything but `vigil_tables`, which describes this list).
    public static let osTables: [any VirtualTable] = [
        AuthorizedKeysTable(),
        CrontabTable(),
        DebPackagesTable(),
        FileTable(),
        HashTable(),
        ProcessesTable(),
        ShellHistoryTable(),
        SuidBinTable(),
        VigilInfoTable(),
    ]

    /// All tables, including `vigil_tables`.
    public static func all() -> [any VirtualTable] {
        let base = osTables
        let tablesTable = VigilTablesTable(schemas: base.map(\.schema))
        return (base + [tablesTable]).sorted { $0.schema.name < $1.schema.name }
    }
}
