import VigilSQL

/// Every table Vigil serves, in one place: the CLI, the shell, the docs generator
/// and `vigil_tables` all read this list.
public enum TableRegistry {
    /// The OS tables (everything but `vigil_tables`, which describes this list).
    public static let osTables: [any VirtualTable] = [
        ACPITablesTable(),
        AptSourcesTable(),
        ArpCacheTable(),
        AuthorizedKeysTable(),
        BlockDevicesTable(),
        ChromeExtensionsTable(),
        CPUIDTable(),
        CPUTimeTable(),
        CrontabTable(),
        DebPackagesTable(),
        DiskEncryptionTable(),
        DNSResolversTable(),
        EtcHostsTable(),
        EtcProtocolsTable(),
        EtcServicesTable(),
        FileTable(),
        FirefoxAddonsTable(),
        GroupsTable(),
        HashTable(),
        InterfaceAddressesTable(),
        InterfaceDetailsTable(),
        InterfaceIPv6Table(),
        IptablesTable(),
        KernelInfoTable(),
        KernelModulesTable(),
        KnownHostsTable(),
        LastTable(),
        ListeningPortsTable(),
        LoadAverageTable(),
        LoggedInUsersTable(),
        MemoryInfoTable(),
        MountsTable(),
        OperaExtensionsTable(),
        OSVersionTable(),
        PCIDevicesTable(),
        PortagePackagesTable(),
        PortageUseTable(),
        ProcessEnvsTable(),
        ProcessesTable(),
        ProcessMemoryMapTable(),
        ProcessNamespacesTable(),
        ProcessOpenFilesTable(),
        ProcessOpenSocketsTable(),
        RoutesTable(),
        ShadowTable(),
        SharedMemoryTable(),
        ShellHistoryTable(),
        SMBIOSTablesTable(),
        SSHConfigsTable(),
        SudoersTable(),
        SuidBinTable(),
        SystemControlsTable(),
        SystemInfoTable(),
        TimeTable(),
        UlimitInfoTable(),
        UptimeTable(),
        USBDevicesTable(),
        UserGroupsTable(),
        UserSSHKeysTable(),
        UsersTable(),
        VigilInfoTable(),
    ]

    /// All tables, including `vigil_tables`, which describes them and `extra` (the
    /// tables a caller adds: the agent's own, osquery's), so it lists what SQL can read.
    public static func all(adding extra: [any VirtualTable] = []) -> [any VirtualTable] {
        let base = osTables + extra
        let tablesTable = VigilTablesTable(schemas: base.map(\.schema))
        return (base + [tablesTable]).sorted { $0.schema.name < $1.schema.name }
    }
}
