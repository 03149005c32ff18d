import VigilSQL
import VigilSystem

/// A daemon's HTTP API on its unix socket (the Docker Engine's, LXD's), read through
/// libcurl: one GET, its status code and its JSON body. The Docker and LXD clients
/// share it and differ only in where their errors say what went wrong.
struct DaemonSocket: Sendable {
    /// The socket's path; no file there means no daemon on this host.
    let socket: String
    /// What the errors call the daemon's API ("Docker API", "LXD API").
    let service: String

    struct Answer {
        let code: Int64
        /// The body as JSON, nil when it is not JSON.
        let json: JSONValue?
        let body: [UInt8]
    }

    /// The answer to GET `path` ("/1.0/instances"), or nil without a socket. A socket
    /// that does not answer is a table error that names it.
    func get(_ path: String, table: String) throws -> Answer? {
        guard FileSystem.exists(socket) else { return nil }
        let response: CurlRequest.Response
        do {
            // Lists and inspections of a busy host run to megabytes.
            response = try CurlRequest.get("http://localhost" + path, unixSocket: socket, userAgent: "osquery",
                                           maxBody: 64 << 20)
        } catch { throw TableError("\(table): \(error)") }
        guard let code = response.responseCode else {
            throw TableError("\(table): \(service) at \(socket): \(response.error ?? "no response")")
        }
        return Answer(code: code, json: JSONValue.parse(response.body), body: response.body)
    }

    /// `text` with everything but unreserved characters percent-encoded (a query
    /// string's value, a name in a path).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) { out.append(c) }
            else { out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true) }
        }
        return out
    }
}
