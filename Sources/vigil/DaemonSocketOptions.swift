import ArgumentParser
import VigilSQL
import VigilTables

/// osquery's flag naming the LXD daemon's socket, for the tables this process serves
/// (`vigil query`, `vigil shell`); the agent reads the same `lxd_socket` from its
/// config's options.
struct DaemonSocketOptions: ParsableArguments {
    @Option(name: [.customLong("lxd_socket"), .customLong("lxd-socket")],
            help: "The LXD daemon's unix socket the lxd_* tables read (osquery's --lxd_socket; default \(LXDAPI.defaultSocket)).")
    var lxdSocket: String?

    /// The tables that replace the registry's for the sockets given (none without).
    var tables: [any VirtualTable] { lxdSocket.map(LXDAPI.tables(socket:)) ?? [] }
}
