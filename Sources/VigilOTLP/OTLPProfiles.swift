import SwiftProtobuf
import VigilProfileFormats

// opentelemetry/proto/profiles/v1development/profiles.proto and its collector service, as
// opentelemetry-proto 1.45.2 (PyPI) defines them. The signal is in development and its
// messages change between releases: these field numbers are that release's.

/// pprof profiles turned into one OTLP `ExportProfilesServiceRequest`: the profiles share
/// one dictionary (strings, mappings, locations, functions, stacks, attributes), and each
/// pprof sample type becomes a profile of its own (an OTLP profile has one sample type).
/// Index 0 of every table is its zero value, so that index 0 means "none".
public struct OTLPProfilesBuilder: Sendable {
    struct Mapping: Hashable { var start: UInt64, limit: UInt64, offset: UInt64, filename: Int32 }
    struct Line: Hashable { var function: Int32, line: Int64 }
    struct Location: Hashable { var mapping: Int32, address: UInt64, lines: [Line] }
    struct Function: Hashable { var name: Int32, systemName: Int32, filename: Int32, startLine: Int64 }
    enum LabelValue: Hashable { case string(String), int(Int64) }
    struct Attribute: Hashable { var key: Int32, value: LabelValue, unit: Int32 }
    struct ValueType: Hashable { var type: Int32, unit: Int32 }
    struct Sample { var stack: Int32, attributes: [Int32], values: [Int64] }
    struct Profile {
        var sampleType: ValueType
        var samples: [Sample]
        var timeUnixNano: UInt64
        var durationNano: UInt64
        var periodType: ValueType
        var period: Int64
        var id: [UInt8]
    }

    /// An interning table whose index 0 is the zero value.
    struct Table<Element: Hashable & Sendable>: Sendable {
        private(set) var elements: [Element]
        private var index: [Element: Int32]
        init(zero: Element) {
            elements = [zero]
            index = [zero: 0]
        }
        mutating func intern(_ e: Element) -> Int32 {
            if let i = index[e] { return i }
            elements.append(e)
            index[e] = Int32(elements.count - 1)
            return Int32(elements.count - 1)
        }
    }

    var strings = Table(zero: "")
    var mappings = Table(zero: Mapping(start: 0, limit: 0, offset: 0, filename: 0))
    var locations = Table(zero: Location(mapping: 0, address: 0, lines: []))
    var functions = Table(zero: Function(name: 0, systemName: 0, filename: 0, startLine: 0))
    var stacks = Table(zero: [Int32]())
    var attributes = Table(zero: Attribute(key: 0, value: .string(""), unit: 0))
    var resources: [(resource: OTLPResource, scope: OTLPScope, profiles: [Profile])] = []

    public init() {}

    /// A profile that is not pprof.
    public struct Unreadable: Error, CustomStringConvertible {
        public let description: String
    }

    public var isEmpty: Bool { resources.isEmpty }

    /// Adds one pprof profile (already inflated) of `resource`.
    public mutating func add(pprof bytes: [UInt8], resource: OTLPResource, scope: OTLPScope) throws(Unreadable) {
        let pprof: Perftools_Profiles_Profile
        do { pprof = try Perftools_Profiles_Profile(serializedBytes: bytes) } catch {
            throw Unreadable(description: "not a pprof profile: \(error)")
        }
        // pprof's indexes come from a host: whatever does not resolve becomes "".
        let table = pprof.stringTable
        func string(_ i: Int64) -> Int32 { strings.intern(i >= 0 && i < table.count ? table[Int(i)] : "") }
        func valueType(_ v: Perftools_Profiles_ValueType) -> ValueType { ValueType(type: string(v.type), unit: string(v.unit)) }

        var mappingIndex: [UInt64: Int32] = [:]
        for m in pprof.mapping {
            mappingIndex[m.id] = mappings.intern(Mapping(start: m.memoryStart, limit: m.memoryLimit, offset: m.fileOffset, filename: string(m.filename)))
        }
        var functionIndex: [UInt64: Int32] = [:]
        for f in pprof.function {
            functionIndex[f.id] = functions.intern(Function(name: string(f.name), systemName: string(f.systemName), filename: string(f.filename), startLine: f.startLine))
        }
        var locationIndex: [UInt64: Int32] = [:]
        for l in pprof.location {
            let lines = l.line.map { Line(function: functionIndex[$0.functionID] ?? 0, line: $0.line) }
            locationIndex[l.id] = locations.intern(Location(mapping: mappingIndex[l.mappingID] ?? 0, address: l.address, lines: lines))
        }
        // Stacks and labels once per sample, shared by the sample types.
        let shared = pprof.sample.map { s -> (stack: Int32, attributes: [Int32]) in
            let stack = stacks.intern(s.locationID.map { locationIndex[$0] ?? 0 })
            let labels = s.label.map { l in
                attributes.intern(Attribute(key: string(l.key), value: l.str != 0 ? .string(table.indices.contains(Int(l.str)) ? table[Int(l.str)] : "") : .int(l.num),
                                            unit: string(l.numUnit)))
            }
            return (stack, labels)
        }
        var profiles: [Profile] = []
        var generator = SystemRandomNumberGenerator()
        for (t, type) in pprof.sampleType.enumerated() {
            var samples: [Sample] = []
            for (s, sample) in pprof.sample.enumerated() where t < sample.value.count && sample.value[t] != 0 {
                samples.append(Sample(stack: shared[s].stack, attributes: shared[s].attributes, values: [sample.value[t]]))
            }
            let id = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
            profiles.append(Profile(sampleType: valueType(type), samples: samples, timeUnixNano: UInt64(max(0, pprof.timeNanos)),
                                    durationNano: UInt64(max(0, pprof.durationNanos)), periodType: valueType(pprof.periodType), period: pprof.period, id: id))
        }
        resources.append((resource, scope, profiles))
    }

    /// The `ExportProfilesServiceRequest`.
    public func exportRequest() -> [UInt8] {
        var w = ProtobufWriter()
        for r in resources {
            w.resourceScope(1, r.resource, r.scope) { s in for p in r.profiles { s.message(2) { Self.encode(p, &$0) } } }
        }
        w.message(2) { encodeDictionary(&$0) }
        return w.bytes
    }

    static func encode(_ v: ValueType, _ w: inout ProtobufWriter) {
        if v.type != 0 { w.int(1, Int64(v.type)) }
        if v.unit != 0 { w.int(2, Int64(v.unit)) }
    }

    static func encode(_ p: Profile, _ w: inout ProtobufWriter) {
        w.message(1) { encode(p.sampleType, &$0) }
        for s in p.samples {
            w.message(2) { sw in
                if s.stack != 0 { sw.int(1, Int64(s.stack)) }
                sw.packed(2, s.attributes.map(Int64.init))
                sw.packed(4, s.values)
            }
        }
        if p.timeUnixNano != 0 { w.fixed64(3, p.timeUnixNano) }
        if p.durationNano != 0 { w.uint(4, p.durationNano) }
        w.message(5) { encode(p.periodType, &$0) }
        if p.period != 0 { w.int(6, p.period) }
        w.bytes(7, p.id)
    }

    func encodeDictionary(_ w: inout ProtobufWriter) {
        for m in mappings.elements {
            w.message(1) { mw in
                if m.start != 0 { mw.uint(1, m.start) }
                if m.limit != 0 { mw.uint(2, m.limit) }
                if m.offset != 0 { mw.uint(3, m.offset) }
                if m.filename != 0 { mw.int(4, Int64(m.filename)) }
            }
        }
        for l in locations.elements {
            w.message(2) { lw in
                if l.mapping != 0 { lw.int(1, Int64(l.mapping)) }
                if l.address != 0 { lw.uint(2, l.address) }
                for line in l.lines {
                    lw.message(3) { x in
                        if line.function != 0 { x.int(1, Int64(line.function)) }
                        if line.line != 0 { x.int(2, line.line) }
                    }
                }
            }
        }
        for f in functions.elements {
            w.message(3) { fw in
                if f.name != 0 { fw.int(1, Int64(f.name)) }
                if f.systemName != 0 { fw.int(2, Int64(f.systemName)) }
                if f.filename != 0 { fw.int(3, Int64(f.filename)) }
                if f.startLine != 0 { fw.int(4, f.startLine) }
            }
        }
        w.message(4) { _ in }  // link_table[0], the zero link: samples link to no trace
        for s in strings.elements { w.string(5, s) }
        for a in attributes.elements {
            w.message(6) { aw in
                if a.key != 0 { aw.int(1, Int64(a.key)) }
                if a.key != 0 {
                    switch a.value {
                    case .string(let s): aw.message(2) { OTLPValue.string(s).encode(&$0) }
                    case .int(let i): aw.message(2) { OTLPValue.int(i).encode(&$0) }
                    }
                }
                if a.unit != 0 { aw.int(3, Int64(a.unit)) }
            }
        }
        for s in stacks.elements { w.message(7) { $0.packed(1, s.map(Int64.init)) } }
    }
}

public enum OTLPProfiles {
    /// POSTed to BASE/v1development/profiles (the signal's path until it is stable).
    public static let path = "/v1development/profiles"
}
