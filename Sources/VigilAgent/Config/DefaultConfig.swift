/// The config `vigil agent` uses without `--config`: a small inventory every hour, a
/// process watch and the changes to /etc and root's SSH keys every five minutes. Cheap by design (the idle goal is under 0.5% of a
/// core), and only tables that exist in VigilTables; a test checks that every query prepares.
extension ConfigLoader {
    public static let defaultConfigText = """
        # Vigil's embedded default configuration.
        options:
          host_identifier: hostname
          schedule_splay_percent: 10
          watchdog_level: 0

        schedule:
          system_info:
            query: SELECT hostname, uuid, cpu_brand, cpu_logical_cores, physical_memory, hardware_vendor, hardware_model FROM system_info
            interval: 3600
            description: Hardware and host name.
          os_version:
            query: SELECT name, version, platform, codename, arch FROM os_version
            interval: 3600
            description: Distribution and release.
          users:
            query: SELECT uid, gid, username, directory, shell FROM users
            interval: 3600
            description: Local accounts; a new uid 0 account stands out.
          listening_ports:
            query: SELECT pid, port, protocol, family, address, path FROM listening_ports
            interval: 3600
            description: Sockets accepting connections.
          kernel_modules:
            query: SELECT name, size, status FROM kernel_modules
            interval: 3600
            description: Loaded kernel modules.
          etc_hosts:
            query: SELECT address, hostnames FROM etc_hosts
            interval: 3600
            description: Static name resolution, a common place to redirect traffic.
          crontab:
            query: SELECT event, minute, hour, day_of_month, month, day_of_week, command, path FROM crontab
            interval: 3600
            description: Scheduled jobs, a common persistence method.
          processes:
            query: SELECT pid, parent, uid, name, path, cmdline FROM processes
            interval: 300
            description: Processes started and gone since the last run.
          file_changes:
            query: SELECT target_path, category, action, transaction_id, pid, executable, sha256, time, eid FROM file_events
            interval: 300
            removed: false
            description: Changes to system configuration and root's SSH keys, with the process that made them.

        # File integrity: the kernel passes only writes under these prefixes to the agent.
        file_paths:
          configuration: [/etc/%%]
          ssh: [/root/.ssh/%%]
        exclude_paths:
          configuration: [/etc/mtab, /etc/ld.so.cache]

        decorators:
          load:
            - SELECT uuid AS host_uuid, hostname FROM system_info
        """

    /// The embedded default, parsed. It is checked by tests, so failing here is a build defect.
    public static func defaultConfig() -> LoadedConfig {
        do {
            return try parse(defaultConfigText, file: "<embedded default config>")
        } catch {
            fatalError("the embedded default config is invalid: \(error)")
        }
    }
}
