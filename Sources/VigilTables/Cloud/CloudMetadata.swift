import VigilSQL
import VigilSystem

/// The link-local instance metadata services of the clouds (169.254.169.254, as
/// osquery's `kInstanceMetadataAuthority`), read through libcurl. Off a cloud the
/// address either has no route (the request fails at once) or nothing answers: a
/// connection gets 1 second, a whole request 3 (osquery's timeout), and a body
/// at most 1 MiB, since the answer comes from the network.
enum CloudMetadata {
    static let authority = "169.254.169.254"
    static let baseURL = "http://" + authority
    static let connectTimeoutMilliseconds = 1_000
    static let timeoutMilliseconds = 3_000
    static let maxBody = 1 << 20

    /// The body of a 200 answer to `method url`; nil for any other status or no answer
    /// (a service that does not know the path, or no service at all).
    static func fetch(_ url: String, method: String = "GET", headers: [String] = [], table: String) throws -> [UInt8]? {
        let response = try request(url, method: method, headers: headers, table: table)
        guard response.responseCode == 200, response.bytes <= Int64(maxBody) else { return nil }
        return response.body
    }

    /// The whole response (a nil status: nothing answered).
    static func request(_ url: String, method: String = "GET", headers: [String] = [], table: String) throws -> CurlRequest.Response {
        do {
            return try CurlRequest.request(method, url, headers: headers, userAgent: "osquery",
                                           connectTimeoutMilliseconds: connectTimeoutMilliseconds,
                                           timeoutMilliseconds: timeoutMilliseconds, maxBody: maxBody)
        } catch { throw TableError("\(table): \(error)") }
    }

    /// A text answer, as osquery keeps it: newlines dropped after the last line and
    /// the lines of a multi-line value joined by commas (security groups).
    static func text(_ body: [UInt8]) -> String {
        String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).joined(separator: ",")
    }

    /// The first line of a DMI identity file (/sys/class/dmi/id/NAME), if readable.
    static func dmi(_ name: String) -> String? {
        FileSystem.readTextIfPresent("/sys/class/dmi/id/" + name).map { $0.trimmingCharacters() }
    }
}
