import VigilSQL
import VigilSystem

/// The Docker Engine API on its unix socket, as osquery's docker tables read it
/// (osquery's `--docker_socket`, /var/run/docker.sock by default), through libcurl.
/// No socket there means no Docker on this host: the tables then have no rows, as
/// osquery's. A daemon that answers with an error is a table error that says so.
public struct DockerAPI: Sendable {
    public static let defaultSocket = "/var/run/docker.sock"
    public let socket: String

    public init(socket: String = DockerAPI.defaultSocket) { self.socket = socket }

    /// The JSON document at `path` ("/containers/json?all=1"), or nil without a socket.
    func get(_ path: String, table: String) throws -> JSONValue? {
        guard let answer = try DaemonSocket(socket: socket, service: "Docker API").get(path, table: table) else { return nil }
        guard answer.code == 200 else {
            let message = answer.json?["message"]?.string ?? String(decoding: answer.body, as: UTF8.self)
            throw TableError("\(table): Docker API \(path): HTTP \(answer.code): \(message)")
        }
        guard let json = answer.json else {
            throw TableError("\(table): Docker API \(path): the answer is not JSON")
        }
        return json
    }

    /// Constraint values usable as Docker id filters: hex, at most 64 characters (an
    /// id or a prefix of one, as osquery takes them); anything else matches nothing.
    static func idValues(_ context: QueryContext, _ column: String) -> [String]? {
        context.texts(column).map { values in
            values.filter { $0.count <= 64 && !$0.isEmpty && $0.allSatisfy(\.isHexDigit) }
        }
    }

    /// The query string `?[all=1&]filters={"key":{"v1":true,...}}` for pushed-down
    /// values (Docker matches id prefixes), or just `?all=1` / "" without them.
    static func filterQuery(_ key: String, _ values: [String]?, all: Bool) -> String {
        var parts: [String] = all ? ["all=1"] : []
        if let values {
            let inner = values.map { JSON.string($0) + ":true" }.joined(separator: ",")
            parts.append("filters=" + percentEncoded("{" + JSON.string(key) + ":{" + inner + "}}"))
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    static func percentEncoded(_ text: String) -> String { DaemonSocket.percentEncoded(text) }

    /// An id without Docker's "sha256:" prefix; when the query named a prefix of it,
    /// that prefix (osquery's rule, so `WHERE id = '976e2045'` matches its row).
    static func id(_ value: String?, matching asked: [String]?) -> String {
        var id = value ?? ""
        if id.hasPrefix("sha256:") { id.removeFirst(7) }
        return asked?.first { id.hasPrefix($0) } ?? id
    }
}
