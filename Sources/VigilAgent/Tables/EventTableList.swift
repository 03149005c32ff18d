import VigilSQL

extension EventStores {
    /// The event tables over these stores, osquery's names (and the `syslog` alias).
    public var tables: [any VirtualTable] {
        [ProcessEventsTable(store: process), SocketEventsTable(store: socket), FileEventsTable(store: file),
         HardwareEventsTable(store: hardware), UserEventsTable(store: user), SELinuxEventsTable(store: selinux),
         SeccompEventsTable(store: seccomp), SyslogEventsTable(store: syslog), SyslogEventsTable(store: syslog, name: "syslog")]
    }
}
