// opentelemetry/proto/logs/v1/logs.proto and collector/logs/v1/logs_service.proto (1.45.2).

/// A `LogRecord`.
public struct OTLPLogRecord: Sendable, Equatable {
    public var timeUnixNano: UInt64 = 0
    public var observedTimeUnixNano: UInt64 = 0
    /// `SeverityNumber`: 0 unspecified, 9 INFO, 13 WARN, 17 ERROR, 21 FATAL.
    public var severityNumber: Int32 = 0
    public var severityText = ""
    public var body: OTLPValue = .empty
    public var attributes: [OTLPAttribute] = []
    public var eventName = ""

    public init() {}

    func encode(_ w: inout ProtobufWriter) {
        if timeUnixNano != 0 { w.fixed64(1, timeUnixNano) }
        if severityNumber != 0 { w.uint(2, UInt64(severityNumber)) }
        if !severityText.isEmpty { w.string(3, severityText) }
        if body != .empty { w.message(5) { body.encode(&$0) } }
        OTLPAttribute.encode(attributes, field: 6, &w)
        if observedTimeUnixNano != 0 { w.fixed64(11, observedTimeUnixNano) }
        if !eventName.isEmpty { w.string(12, eventName) }
    }
}

/// The records of one resource and scope (`ResourceLogs` holding one `ScopeLogs`).
public struct OTLPResourceLogs: Sendable, Equatable {
    public var resource: OTLPResource
    public var scope: OTLPScope
    public var records: [OTLPLogRecord]

    public init(resource: OTLPResource, scope: OTLPScope, records: [OTLPLogRecord]) {
        self.resource = resource
        self.scope = scope
        self.records = records
    }
}

public enum OTLPLogs {
    /// POSTed to BASE/v1/logs.
    public static let path = "/v1/logs"

    /// An `ExportLogsServiceRequest`.
    public static func exportRequest(_ groups: [OTLPResourceLogs]) -> [UInt8] {
        var w = ProtobufWriter()
        for g in groups {
            w.resourceScope(1, g.resource, g.scope) { s in for r in g.records { s.message(2) { r.encode(&$0) } } }
        }
        return w.bytes
    }
}
