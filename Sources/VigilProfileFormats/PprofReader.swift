import SwiftProtobuf

/// A pprof profile (already inflated) read back into stacks for the folded and flame
/// graph writers: what the fleet server does with the profiles agents upload. The
/// bytes come from a host, so every index is checked; what does not resolve is named
/// "?" rather than trusted.
public enum PprofReader {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter processRoot: put each sample's `comm` label under its stack as the
    ///   root, as the profiler's own writers do.
    public static func stacks(_ bytes: [UInt8], kind: SampleKind = .cpu, processRoot: Bool = true) throws(Failure) -> NamedStacks {
        let profile: Perftools_Profiles_Profile
        do { profile = try Perftools_Profiles_Profile(serializedBytes: bytes) } catch {
            throw Failure(description: "not a pprof profile: \(error)")
        }
        let strings = profile.stringTable
        func string(_ i: Int64) -> String { i >= 0 && i < strings.count ? strings[Int(i)] : "?" }
        let wanted = kind == .cpu ? "samples" : "off_cpu"
        let valueIndex = profile.sampleType.firstIndex { string($0.type) == wanted } ?? 0

        var functionIndex: [NamedStacks.Function: Int] = [:]
        var functions: [NamedStacks.Function] = []
        func intern(_ f: NamedStacks.Function) -> Int {
            if let i = functionIndex[f] { return i }
            functions.append(f)
            functionIndex[f] = functions.count - 1
            return functions.count - 1
        }
        var byFunctionID: [UInt64: NamedStacks.Function] = [:]
        for f in profile.function { byFunctionID[f.id] = NamedStacks.Function(name: string(f.name), file: string(f.filename)) }
        // A location's frames, root first (pprof lists inlined lines innermost first).
        var locationFrames: [UInt64: [Int]] = [:]
        for location in profile.location {
            let names = location.line.reversed().map { byFunctionID[$0.functionID] ?? NamedStacks.Function(name: "?", file: "") }
            locationFrames[location.id] = (names.isEmpty ? [NamedStacks.Function(name: "?", file: "")] : names).map(intern)
        }
        let commKey = strings.firstIndex(of: "comm").map(Int64.init)

        var merged: [[Int]: UInt64] = [:]
        for sample in profile.sample {
            guard valueIndex < sample.value.count, sample.value[valueIndex] > 0 else { continue }
            var path: [Int] = []
            if processRoot, let commKey, let comm = sample.label.first(where: { $0.key == commKey }) {
                path.append(intern(NamedStacks.Function(name: string(comm.str), file: "")))
            }
            // Sample locations are leaf first.
            for id in sample.locationID.reversed() { path += locationFrames[id] ?? [intern(NamedStacks.Function(name: "?", file: ""))] }
            merged[path, default: 0] += UInt64(sample.value[valueIndex])
        }
        return NamedStacks(functions: functions, stacks: NamedStacks.sorted(merged, names: functions.map(\.name)), kind: kind)
    }
}
