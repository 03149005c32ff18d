/// Where and how the server exports to OpenTelemetry (`--otlp-endpoint`, `--otlp-header`):
/// OTLP/HTTP with protobuf bodies, gzip-compressed, to BASE/v1/logs, BASE/v1/metrics and
/// BASE/v1development/profiles (a collector's OTLP/HTTP receiver listens on 4318).
public struct OTLPExportConfiguration: Sendable {
    /// `http://HOST:PORT` or `https://HOST:PORT[/PREFIX]`, without a trailing slash.
    public var endpoint: String
    /// Sent with every request (an API key, a tenant).
    public var headers: [(name: String, value: String)] = []
    /// Seconds between two exports of the fleet's own metrics (hosts online, the server's CPU and memory).
    public var fleetMetricsSeconds = 60
    /// Metric items (telemetry points, fleet snapshots) waiting in memory past which the
    /// oldest are dropped: a down collector costs bounded memory. Result and status lines,
    /// live-query answers and profiles wait in the store instead (OTLPStoreExport),
    /// bounded by its retention.
    public var queueLimits = QueueLimits()
    /// Items sent in one request (the OpenTelemetry SDKs' batch size).
    public var batchSize = 512

    public struct QueueLimits: Sendable {
        public var metrics = 50_000
        public init() {}
    }

    public init(endpoint text: String) throws(StoreFileError) {
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        let scheme = url.hasPrefix("http://") ? "http://" : url.hasPrefix("https://") ? "https://" : nil
        guard let scheme, url.count > scheme.count, !url.contains(" ") else {
            throw StoreFileError("--otlp-endpoint takes http://HOST:PORT or https://HOST:PORT (an OTLP/HTTP receiver, port 4318 by convention), not '\(text.prefix(80))'")
        }
        let host = url.dropFirst(scheme.count).prefix { $0 != "/" }
        guard !host.isEmpty, !host.hasPrefix(":") else { throw StoreFileError("--otlp-endpoint \(text.prefix(80)): no host") }
        endpoint = url
    }

    /// `NAME=VALUE`.
    public mutating func addHeader(_ text: String) throws(StoreFileError) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw StoreFileError("--otlp-header takes NAME=VALUE, not '\(text.prefix(80))'")
        }
        let name = String(text[..<eq]), value = String(text[text.index(after: eq)...])
        // An HTTP token: what a header name may hold; no line breaks in the value.
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard name.allSatisfy(tokenCharacters.contains) else { throw StoreFileError("--otlp-header: '\(name.prefix(80))' is not a header name") }
        // Scalars, not Characters: "\r\n" is one Character, equal to neither.
        guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else { throw StoreFileError("--otlp-header \(name): a line break in the value") }
        headers.append((name, value))
    }
}
