// opentelemetry/proto/metrics/v1/metrics.proto and collector/metrics/v1/metrics_service.proto (1.45.2).

/// A `NumberDataPoint`.
public struct OTLPNumberPoint: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case int(Int64)
        case double(Double)
    }

    public var attributes: [OTLPAttribute]
    /// For cumulative sums: when counting began (0 when unknown).
    public var startTimeUnixNano: UInt64
    public var timeUnixNano: UInt64
    public var value: Value

    public init(time: UInt64, value: Value, start: UInt64 = 0, attributes: [OTLPAttribute] = []) {
        self.timeUnixNano = time
        self.value = value
        self.startTimeUnixNano = start
        self.attributes = attributes
    }

    func encode(_ w: inout ProtobufWriter) {
        if startTimeUnixNano != 0 { w.fixed64(2, startTimeUnixNano) }
        w.fixed64(3, timeUnixNano)
        switch value {
        case .double(let d): w.double(4, d)
        case .int(let i): w.fixed64(6, UInt64(bitPattern: i))  // sfixed64
        }
        OTLPAttribute.encode(attributes, field: 7, &w)
    }
}

/// A `Metric`: a gauge, or a cumulative sum.
public struct OTLPMetric: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case gauge
        case cumulativeSum(monotonic: Bool)
    }

    public var name: String
    public var description: String
    /// UCUM: `By`, `s`, `%`, `1`, `{thread}`…
    public var unit: String
    public var kind: Kind
    public var points: [OTLPNumberPoint]

    public init(name: String, description: String, unit: String, kind: Kind, points: [OTLPNumberPoint]) {
        self.name = name
        self.description = description
        self.unit = unit
        self.kind = kind
        self.points = points
    }

    func encode(_ w: inout ProtobufWriter) {
        w.string(1, name)
        if !description.isEmpty { w.string(2, description) }
        if !unit.isEmpty { w.string(3, unit) }
        switch kind {
        case .gauge:
            w.message(5) { g in for p in points { g.message(1) { p.encode(&$0) } } }
        case .cumulativeSum(let monotonic):
            w.message(7) { s in
                for p in points { s.message(1) { p.encode(&$0) } }
                s.uint(2, 2)  // AGGREGATION_TEMPORALITY_CUMULATIVE
                if monotonic { s.bool(3, true) }
            }
        }
    }
}

/// The metrics of one resource and scope (`ResourceMetrics` holding one `ScopeMetrics`).
public struct OTLPResourceMetrics: Sendable, Equatable {
    public var resource: OTLPResource
    public var scope: OTLPScope
    public var metrics: [OTLPMetric]

    public init(resource: OTLPResource, scope: OTLPScope, metrics: [OTLPMetric]) {
        self.resource = resource
        self.scope = scope
        self.metrics = metrics
    }
}

public enum OTLPMetrics {
    /// POSTed to BASE/v1/metrics.
    public static let path = "/v1/metrics"

    /// An `ExportMetricsServiceRequest`.
    public static func exportRequest(_ groups: [OTLPResourceMetrics]) -> [UInt8] {
        var w = ProtobufWriter()
        for g in groups {
            w.resourceScope(1, g.resource, g.scope) { s in for m in g.metrics { s.message(2) { m.encode(&$0) } } }
        }
        return w.bytes
    }
}
