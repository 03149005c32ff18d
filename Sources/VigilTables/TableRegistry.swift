import VigilSQL

/// Every table Vigil serves, in one place: the CLI, the shell, the docs generator
/// and `vigil_tables` all read this list.
public enum TableRegistry {
    /// The OS tables (everything but `vigil_tables`, which describes this list).
    public static let osTables: [any VirtualTable] = [
        ArpCacheTable(),
        AuthorizedKeysTable(),
        BlockDevicesTable(),
        CPUTimeTable(),
        CrontabTable(),
        DebPackagesTable(),
        EtcHostsTable(),
        FileTable(),
        GroupsTable(),
        HashTable(),
        InterfaceAddressesTable(),
        InterfaceDetailsTable(),
        KernelInfoTable(),
        KernelModulesTable(),
        ListeningPortsTable(),
        LoadAverageTable(),
        LoggedInUsersTable(),
        MemoryInfoTable(),
        MountsTable(),
        OSVersionTable(),
        ProcessEnvsTable(),
        ProcessMemoryMapTable(),
        ProcessOpenFilesTable(),
        ProcessOpenSocketsTable(),
        ProcessesTable(),
        RoutesTable(),
        ShellHistoryTable(),
        SuidBinTable(),
        SystemInfoTable(),
        TimeTable(),
        UptimeTable(),
        UserGroupsTable(),
        UsersTable(),
        VigilInfoTable(),
    ]

    /// All tables, including `vigil_tables`.
    public static func all() -> [any VirtualTable] {
        let base = osTables
        let tablesTable = VigilTablesTable(schemas: base.map(\.schema))
        return (base + [tablesTable]).sorted { $0.schema.name < $1.schema.name }
    }
}
