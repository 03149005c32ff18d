import VigilSQL

/// LXD's REST API on its unix socket, as osquery's lxd tables read it: osquery's
/// `--lxd_socket`, /var/lib/lxd/unix.socket by default (Debian's lxd; the snap's is
/// /var/snap/lxd/common/lxd/unix.socket). No socket there means no LXD on this host:
/// the tables then have no rows, as osquery's. Every answer is LXD's envelope
/// (`{"type": "sync", "metadata": …}`); the tables read its metadata. Like osquery,
/// the instance tables read `/1.0/containers` (containers, not virtual machines) of
/// the default project.
public struct LXDAPI: Sendable {
    public static let defaultSocket = "/var/lib/lxd/unix.socket"
    public let socket: String

    public init(socket: String = LXDAPI.defaultSocket) { self.socket = socket }

    /// The nine lxd tables, reading `socket` (what `--lxd_socket` / the agent's
    /// `lxd_socket` option builds in place of the registry's defaults).
    public static func tables(socket: String) -> [any VirtualTable] {
        let api = LXDAPI(socket: socket)
        return [LXDCertificatesTable(api: api), LXDClusterTable(api: api), LXDClusterMembersTable(api: api),
                LXDImagesTable(api: api), LXDInstanceConfigTable(api: api), LXDInstanceDevicesTable(api: api),
                LXDInstancesTable(api: api), LXDNetworksTable(api: api), LXDStoragePoolsTable(api: api)]
    }

    /// The metadata of GET `path`, or nil without a socket. An error answer is a table
    /// error with LXD's message, unless the request is about one object (`ofOne`: an
    /// instance or image the query named, a listed network's state): that object is
    /// then left out or its extra columns NULL, as osquery does, rather than every row
    /// lost to it. A socket that does not answer is always an error.
    func metadata(_ path: String, table: String, ofOne: Bool = false) throws -> JSONValue? {
        guard let answer = try DaemonSocket(socket: socket, service: "LXD API").get(path, table: table) else { return nil }
        if answer.code != 200 && ofOne { return nil }
        guard answer.code == 200, let json = answer.json else {
            let message = answer.json?["error"]?.string ?? String(decoding: answer.body, as: UTF8.self)
            throw TableError("\(table): LXD API \(path): HTTP \(answer.code): \(message)")
        }
        return json["metadata"] ?? .null
    }

    /// Every object of a collection ("/1.0/networks") in full: one request
    /// (`recursion=1`) where osquery makes one per object.
    func list(_ collection: String, table: String) throws -> [JSONValue] {
        try metadata(collection + "?recursion=1", table: table)?.array ?? []
    }

    /// `/1.0/<collection>/<name>`, the name percent-encoded.
    static func path(_ collection: String, _ name: String) -> String {
        "/1.0/\(collection)/" + DaemonSocket.percentEncoded(name)
    }

    /// Constraint values that can be instance names (letters, digits and hyphens, at
    /// most 63, as LXD allows); anything else matches nothing. Nil when unconstrained.
    static func instanceNames(_ context: QueryContext, _ column: String) -> [String]? {
        context.texts(column).map { names in
            names.filter { !$0.isEmpty && $0.count <= 63 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } }
        }
    }

    /// The instances the query names by `name =` (each that exists), else all of them.
    func instances(_ context: QueryContext, table: String) throws -> [JSONValue] {
        guard let names = Self.instanceNames(context, "name") else { return try list("/1.0/containers", table: table) }
        return try names.compactMap { try metadata(Self.path("containers", $0), table: table, ofOne: true) }
    }

    /// A JSON string as text; anything else (absent, null) NULL.
    static func text(_ value: JSONValue?) -> SQLValue { value?.string.map(SQLValue.text) ?? .null }

    /// A JSON boolean as osquery's 1 or 0.
    static func flag(_ value: JSONValue?) -> SQLValue { .integer(value?.bool == true ? 1 : 0) }

    /// A JSON number as an integer; anything else NULL.
    static func integer(_ value: JSONValue?) -> SQLValue { value?.number.map { SQLValue.integer(Int64($0)) } ?? .null }

    /// An object's members sorted by key (the order LXD, a Go server, writes them).
    static func members(_ value: JSONValue?) -> [(key: String, value: JSONValue)] {
        guard case .object(let object)? = value else { return [] }
        return object.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }
}
