import CSystemd
import Glibc

/// What asking the systemd manager can fail on.
public enum SystemdManagerError: Error, CustomStringConvertible, Sendable {
    /// libsystemd.so.0 is not on this host.
    case libraryUnavailable
    /// No connection, no answer within the timeout, or a D-Bus error; the text names the call.
    case failed(String)

    public var description: String {
        switch self {
        case .libraryUnavailable: return "libsystemd (libsystemd.so.0) cannot be loaded"
        case .failed(let reason): return reason
        }
    }
}

/// A connection to the running systemd manager through libsystemd's sd-bus
/// (`vigil_systemd_open`, see CSystemd.h): as root peer to peer on
/// /run/systemd/private, as systemctl connects, else through the system bus
/// ($DBUS_SYSTEM_BUS_ADDRESS honoured). Every call ends within the timeout given
/// here, connection set-up included. Closed in deinit; one thread at a time.
public final class SystemdManager {
    /// One unit as ListUnits gives it. A unit without a job has job ID 0, an empty
    /// job type and the job path "/"; one that follows no other, an empty `following`.
    public struct Unit: Sendable, Equatable {
        public var id, description, loadState, activeState, subState, following, objectPath: String
        public var jobID: UInt32
        public var jobType, jobPath: String
    }

    private let handle: OpaquePointer

    /// sd_booted(3): the system was booted with systemd as its manager (it made /run/systemd/system).
    public static var booted: Bool { FileSystem.exists("/run/systemd/system") }

    public init(timeoutMilliseconds: Int) throws(SystemdManagerError) {
        var handle: OpaquePointer?
        var error = [CChar](repeating: 0, count: 512)
        let code = vigil_systemd_open(UInt64(timeoutMilliseconds) * 1000, &handle, &error, error.count)
        if code == VIGIL_SYSTEMD_NO_LIBRARY { throw .libraryUnavailable }
        guard code >= 0, let handle else { throw .failed(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
        self.handle = handle
    }

    deinit { vigil_systemd_close(handle) }

    private func lastError() -> String { String(cString: vigil_systemd_error(handle)) }

    /// org.freedesktop.systemd1.Manager.ListUnits: every unit the manager has loaded.
    public func listUnits() throws(SystemdManagerError) -> [Unit] {
        final class Collector { var units: [Unit] = [] }
        let collector = Collector()
        let code = withExtendedLifetime(collector) {
            vigil_systemd_list_units(handle, Unmanaged.passUnretained(collector).toOpaque()) { context, unit in
                guard let context, let u = unit?.pointee else { return }
                func text(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
                Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue().units.append(Unit(
                    id: text(u.id), description: text(u.description), loadState: text(u.load_state),
                    activeState: text(u.active_state), subState: text(u.sub_state), following: text(u.following),
                    objectPath: text(u.object_path), jobID: u.job_id, jobType: text(u.job_type), jobPath: text(u.job_path)))
            }
        }
        if code < 0 { throw .failed(lastError()) }
        return collector.units
    }

    /// A string property of a unit's object (org.freedesktop.DBus.Properties.Get);
    /// nil when the object has no such interface or property (`User` of a socket).
    public func stringProperty(_ path: String, interface: String, _ property: String) throws(SystemdManagerError) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        let code = vigil_systemd_get_string(handle, path, interface, property, &value)
        defer { free(value) }
        if code == VIGIL_SYSTEMD_BUS_ERROR, Self.isMissingMember(lastError()) { return nil }
        if code < 0 { throw .failed(lastError()) }
        return value.map { String(cString: $0) } ?? ""
    }

    /// The D-Bus errors for an interface or property the object does not have.
    static func isMissingMember(_ error: String) -> Bool {
        ["org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.UnknownProperty",
         "org.freedesktop.DBus.Error.InvalidArgs"].contains { error.contains(": " + $0 + ":") }
    }
}
