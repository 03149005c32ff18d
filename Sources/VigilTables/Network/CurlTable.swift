import VigilSQL
import VigilSystem

/// `curl`: a GET request to each `url =` the query names, through libcurl: the
/// status, round-trip time, size and body. `ua =` sets the user agent ("osquery"
/// by default, as osquery sends). A request that gets no response is still a row,
/// with a NULL response_code and libcurl's error as the result. Each request
/// gives up after 10 seconds; at most 1 MiB of a body is kept.
public struct CurlTable: VirtualTable {
    public let schema = TableSchema("curl", "Perform an http request and return stats about it.", [
        Column("url", .text, "The url for the request", [.required, .index]),
        Column("method", .text, "The HTTP method for the request (GET)"),
        Column("user_agent", .text, "The user-agent string to use for the request", .additional),
        Column("response_code", .integer, "The HTTP status code for the response; NULL when none came"),
        Column("round_trip_time", .bigint, "Time taken to complete the request (microseconds)"),
        Column("bytes", .bigint, "Number of bytes in the response"),
        Column("result", .text, "The HTTP response body, or the error when the request failed"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let urls = context.texts("url") else { throw TableError.missingRequired(schema) }
        let agents = context.texts("user_agent") ?? ["osquery"]
        let requests = urls.flatMap { url in agents.map { (url, $0) } }
        return RowSequence(requests) { url, agent in
            let response: CurlRequest.Response
            do { response = try CurlRequest.get(url, userAgent: agent) } catch { throw TableError("curl: \(error)") }
            var row = Row(schema)
            row["url"] = .text(url)
            row["method"] = .text("GET")
            row["user_agent"] = .text(agent)
            row["response_code"] = SQLValue(response.responseCode)
            row["round_trip_time"] = .integer(response.roundTripMicroseconds)
            row["bytes"] = .integer(response.bytes)
            row["result"] = .text(response.error ?? String(decoding: response.body, as: UTF8.self))
            return row
        }
    }
}
