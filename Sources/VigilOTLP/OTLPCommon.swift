// opentelemetry/proto/common/v1/common.proto and resource/v1/resource.proto, as
// opentelemetry-proto 1.45.2 (PyPI) defines them: the field numbers below are its.

/// An `AnyValue`. `.empty` is the value with no member set (JSON's null).
public indirect enum OTLPValue: Sendable, Equatable {
    case empty
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case array([OTLPValue])
    case kvlist([OTLPAttribute])
    case bytes([UInt8])

    func encode(_ w: inout ProtobufWriter) {
        switch self {
        case .empty: break
        case .string(let s): w.string(1, s)
        case .bool(let b): w.bool(2, b)
        case .int(let i): w.int(3, i)
        case .double(let d): w.double(4, d)
        case .array(let values): w.message(5) { a in for v in values { a.message(1) { v.encode(&$0) } } }
        case .kvlist(let pairs): w.message(6) { l in for p in pairs { l.message(1) { p.encode(&$0) } } }
        case .bytes(let b): w.bytes(7, b)
        }
    }
}

/// A `KeyValue`: an attribute.
public struct OTLPAttribute: Sendable, Equatable {
    public var key: String
    public var value: OTLPValue

    public init(_ key: String, _ value: OTLPValue) {
        self.key = key
        self.value = value
    }

    func encode(_ w: inout ProtobufWriter) {
        w.string(1, key)
        w.message(2) { value.encode(&$0) }
    }

    static func encode(_ attributes: [OTLPAttribute], field: Int, _ w: inout ProtobufWriter) {
        for a in attributes { w.message(field) { a.encode(&$0) } }
    }
}

/// A `Resource`: what produced the telemetry (a host's agent, or the server).
public struct OTLPResource: Sendable, Equatable {
    public var attributes: [OTLPAttribute]
    public init(_ attributes: [OTLPAttribute]) { self.attributes = attributes }

    func encode(_ w: inout ProtobufWriter) { OTLPAttribute.encode(attributes, field: 1, &w) }
}

extension ProtobufWriter {
    /// The envelope every signal shares: a `ResourceLogs`/`ResourceMetrics`/`ResourceProfiles`
    /// (resource = 1) holding one `Scope…` (at 2: scope = 1, its items at 2, written by `items`).
    mutating func resourceScope(_ field: Int, _ resource: OTLPResource, _ scope: OTLPScope, items: (inout ProtobufWriter) -> Void) {
        message(field) { r in
            r.message(1) { resource.encode(&$0) }
            r.message(2) { s in
                s.message(1) { scope.encode(&$0) }
                items(&s)
            }
        }
    }
}

/// An `InstrumentationScope`: the part of Vigil that made the data.
public struct OTLPScope: Sendable, Equatable {
    public var name: String
    public var version: String
    public init(name: String, version: String = "") {
        self.name = name
        self.version = version
    }

    func encode(_ w: inout ProtobufWriter) {
        w.string(1, name)
        if !version.isEmpty { w.string(2, version) }
    }
}
