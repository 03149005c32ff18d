import SwiftProtobuf
import VigilSystem

/// pprof's profile.proto, gzip'd: what `go tool pprof`, Parca, Pyroscope and
/// speedscope read. Each distinct frame is one Location (address = ELF virtual
/// address, or the kernel address) with one Line naming its Function; each
/// executable is one Mapping carrying its build ID (its file ID when it has none).
/// Samples keep the pid and thread name as labels.
///
/// Sample types: `samples/count` and `cpu/nanoseconds` (= samples × period), plus
/// `off_cpu/nanoseconds` when the profile holds off-CPU time (its samples count 0
/// in the first two).
public enum PprofWriter {
    public static func encode(_ symbolized: SymbolizedProfile) throws(ProfileError) -> [UInt8] {
        let message = build(symbolized)
        let bytes: [UInt8]
        do { bytes = try message.serializedBytes() } catch { throw .encoding("\(error)") }
        do { return try Gzip.compress(bytes) } catch {
            guard case .zlib(let code) = error else { throw .encoding("\(error)") }
            throw .compression(code: code)
        }
    }

    static func build(_ symbolized: SymbolizedProfile) -> Perftools_Profiles_Profile {
        var strings = StringTable()
        let profile = symbolized.profile
        var out = Perftools_Profiles_Profile()

        let offCPU = profile.hasOffCPU
        out.sampleType = [valueType("samples", "count", &strings), valueType("cpu", "nanoseconds", &strings)]
        if offCPU { out.sampleType.append(valueType("off_cpu", "nanoseconds", &strings)) }
        out.periodType = valueType("cpu", "nanoseconds", &strings)
        out.period = profile.periodNanoseconds
        out.defaultSampleType = strings.index("cpu")
        out.timeNanos = profile.startNanoseconds
        out.durationNanos = profile.durationNanoseconds

        let mappings = MappingTable(profile, strings: &strings)
        out.mapping = mappings.messages

        var functionIDs: [NamedStacks.Function: UInt64] = [:]
        for (i, frame) in profile.frames.enumerated() {
            let name = symbolized.names[i]
            let key = NamedStacks.Function(name: name.function, file: name.file)
            let functionID: UInt64
            if let known = functionIDs[key] {
                functionID = known
            } else {
                functionID = UInt64(out.function.count + 1)
                functionIDs[key] = functionID
                var f = Perftools_Profiles_Function()
                f.id = functionID
                f.name = strings.index(name.function)
                f.systemName = strings.index(name.systemName)
                f.filename = strings.index(name.file)
                out.function.append(f)
            }
            var location = Perftools_Profiles_Location()
            location.id = UInt64(i + 1)
            location.mappingID = mappings.id(of: frame)
            location.address = frame.kind == .marker ? 0 : frame.address
            var line = Perftools_Profiles_Line()
            line.functionID = functionID
            location.line = [line]
            out.location.append(location)
        }

        let pidKey = strings.index("pid"), commKey = strings.index("comm")
        for (key, values) in profile.samples.sorted(by: { ($0.key.trace, $0.key.pid, $0.key.comm) < ($1.key.trace, $1.key.pid, $1.key.comm) }) {
            var sample = Perftools_Profiles_Sample()
            // Traces are leaf first, as pprof wants them.
            sample.locationID = profile.traces[Int(key.trace)].map { UInt64($0) + 1 }
            sample.value = [Int64(values.cpuSamples), Int64(values.cpuSamples) * profile.periodNanoseconds]
            if offCPU { sample.value.append(Int64(values.offCPUNanoseconds)) }
            var pid = Perftools_Profiles_Label()
            pid.key = pidKey
            pid.num = Int64(key.pid)
            var comm = Perftools_Profiles_Label()
            comm.key = commKey
            comm.str = strings.index(profile.comms[Int(key.comm)])
            sample.label = [pid, comm]
            out.sample.append(sample)
        }
        if let kernel = profile.kernel {
            out.comment = [strings.index("kernel \(kernel.release) build id \(kernel.buildIDText)")]
        }
        out.stringTable = strings.strings
        return out
    }

    private static func valueType(_ type: String, _ unit: String, _ strings: inout StringTable) -> Perftools_Profiles_ValueType {
        var v = Perftools_Profiles_ValueType()
        v.type = strings.index(type)
        v.unit = strings.index(unit)
        return v
    }
}

/// pprof's string table: every string once, "" at index 0.
struct StringTable {
    private(set) var strings: [String] = [""]
    private var indexes: [String: Int64] = ["": 0]

    mutating func index(_ s: String) -> Int64 {
        if let i = indexes[s] { return i }
        let i = Int64(strings.count)
        strings.append(s)
        indexes[s] = i
        return i
    }
}
