import Glibc
import CCurl

/// One HTTP(S) GET through libcurl (`curl_easy_perform`, see CCurl.h), for the
/// curl table: the status, the time it took, the body.
public enum CurlRequest {
    public struct Response: Sendable {
        /// HTTP status; nil when no response came (refused, timed out, TLS failure).
        public let responseCode: Int64?
        public let roundTripMicroseconds: Int64
        /// Bytes of the body received.
        public let bytes: Int64
        /// The body (at most the limit asked for), or libcurl's error message.
        public let body: [UInt8]
        public let error: String?
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case libraryUnavailable
        public var description: String { "libcurl (libcurl.so.4) cannot be loaded" }
    }

    /// GET `url`; with `unixSocket`, over that AF_UNIX socket (the URL's host is then ignored).
    public static func get(_ url: String, unixSocket: String? = nil, userAgent: String, timeoutMilliseconds: Int = 10_000,
                           maxBody: Int = 1 << 20) throws(Failure) -> Response {
        try request("GET", url, unixSocket: unixSocket, userAgent: userAgent, timeoutMilliseconds: timeoutMilliseconds, maxBody: maxBody)
    }

    /// `method` (GET, PUT with an empty body) to `url` with extra `headers` ("Name: value");
    /// `connectTimeoutMilliseconds` (0: only the overall timeout) bounds the wait for a
    /// connection, so an address nothing answers costs little.
    public static func request(_ method: String, _ url: String, unixSocket: String? = nil, headers: [String] = [],
                               userAgent: String, connectTimeoutMilliseconds: Int = 0, timeoutMilliseconds: Int = 10_000,
                               maxBody: Int = 1 << 20) throws(Failure) -> Response {
        var result = vigil_curl_result()
        let cHeaders = headers.map { strdup($0) }
        defer { cHeaders.forEach { free($0) } }
        let rc = cHeaders.map { $0.map { UnsafePointer($0) } }.withUnsafeBufferPointer { list in
            vigil_curl_request(method, url, unixSocket, list.baseAddress, list.count, userAgent,
                               connectTimeoutMilliseconds, timeoutMilliseconds, maxBody, &result)
        }
        defer { vigil_curl_free(&result) }
        if rc == -1 { throw .libraryUnavailable }
        let body = result.body.map { Array(UnsafeRawBufferPointer(start: $0, count: result.body_length)) } ?? []
        let error: String? = rc == 0 ? nil : withUnsafeBytes(of: result.error) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return Response(responseCode: rc == 0 ? Int64(result.response_code) : nil, roundTripMicroseconds: result.rtt_us,
                        bytes: result.bytes, body: body, error: error)
    }
}
