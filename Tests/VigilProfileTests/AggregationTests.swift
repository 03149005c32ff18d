import Foundation
import Glibc
import Testing
import VigilSystem
@testable import VigilProfile
import VigilTestSupport

@Suite("Aggregation", .ownThread)
struct AggregationTests {
    static func libcAddress(_ name: String) -> UInt64 { UInt64(UInt(bitPattern: dlsym(nil, name))) }

    @Test("10,000 samples of two stacks are two traces: memory follows distinct stacks, not samples")
    func distinctStacksOnly() {
        let builder = ProfileBuilder(frequency: 19, kernel: KernelImage(buildID: [1, 2, 3], release: "test"), debugFiles: DebugFileLocator(roots: []))
        let me = getpid()
        let a = [Self.libcAddress("strlen") + 1, Self.libcAddress("malloc") + 2]
        let b = [Self.libcAddress("memcpy") + 1, Self.libcAddress("malloc") + 2]
        for i in 0..<10_000 {
            builder.add(RawSample(pid: me, tid: me + Int32(i % 7), comm: "agg", userStack: i % 4 == 0 ? b : a))
        }
        let profile = builder.finish()
        #expect(profile.traces.count == 2)
        #expect(profile.samples.count == 2)
        #expect(profile.frames.count == 3, "malloc's frame is shared")
        #expect(profile.cpuSampleCount == 10_000)
        #expect(profile.samples.values.map(\.cpuSamples).sorted() == [2_500, 7_500])
    }

    @Test("The trace hash is SHA-256 of kind, file ID and address per frame, first 16 bytes")
    func traceHash() throws {
        let frames = [Frame(kind: .native, file: FileID(high: 1, low: 2), address: 0x1234),
                      Frame(kind: .kernel, file: FileID(high: 3, low: 4), address: 0xffffffff81000000)]
        let hash = TraceHasher().hash(frames)
        // Ground truth: the same bytes (u8 kind, u64 le high, low, address) through sha256sum.
        let script = #"perl -e 'print pack("C Q< Q< Q<", 1, 1, 2, 0x1234), pack("C Q< Q< Q<", 0, 3, 4, 0xffffffff81000000)' | sha256sum | cut -c1-32"#
        #expect(hash.description == (try sh(script).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(TraceHasher().hash(frames.reversed()) != hash)
        #expect(TraceHasher().hash(frames) == hash)
    }

    @Test("Off-CPU time is a separate measure: pprof gets off_cpu/nanoseconds, folded can show either")
    func offCPU() throws {
        let builder = ProfileBuilder(frequency: 100, kernel: KernelImage(buildID: [1], release: "test"), debugFiles: DebugFileLocator(roots: []))
        let me = getpid()
        let stack = [Self.libcAddress("strlen") + 1]
        builder.add(RawSample(pid: me, tid: me, comm: "w", userStack: stack, kind: .cpu, value: 3))
        builder.add(RawSample(pid: me, tid: me, comm: "w", userStack: stack, kind: .offCPU, value: 5_000))
        builder.add(RawSample(pid: me, tid: me, comm: "w", userStack: stack, kind: .offCPU, value: 7_000))
        let symbolized = Symbolizer(kernelSymbols: nil).symbolize(builder.finish())
        let values = try #require(symbolized.profile.samples.values.first)
        #expect(values == SampleValues(cpuSamples: 3, offCPUNanoseconds: 12_000, offCPUEvents: 2))

        let p = try Perftools_Profiles_Profile(serializedBytes: try Gzip.decompress(try PprofWriter.encode(symbolized)))
        let s = p.stringTable
        #expect(p.sampleType.map { "\(s[Int($0.type)])/\(s[Int($0.unit)])" } == ["samples/count", "cpu/nanoseconds", "off_cpu/nanoseconds"])
        #expect(p.sample.first?.value == [3, 30_000_000, 12_000])

        let cpu = FoldedWriter.render(NamedStacks(symbolized, kind: .cpu))
        let off = FoldedWriter.render(NamedStacks(symbolized, kind: .offCPU))
        #expect(cpu.hasSuffix(" 3\n") && off.hasSuffix(" 12000\n"))
        #expect(cpu.hasPrefix("w;"))
    }

    @Test("Kernel frames are named from kallsyms and carry the kernel's build ID in pprof")
    func kernelFrames() throws {
        let symbols = try KernelSymbols.read()
        guard !symbols.addressesHidden else {
            if inCI { Issue.record("kallsyms addresses hidden in CI") }
            return
        }
        let schedule = try #require(UInt64(try sh("grep -m1 ' [tT] schedule$' /proc/kallsyms").split(separator: " ")[0], radix: 16))
        let kernel = KernelImage.current()
        let builder = ProfileBuilder(frequency: 19, kernel: kernel, debugFiles: DebugFileLocator(roots: []))
        builder.add(RawSample(pid: getpid(), tid: getpid(), comm: "k", kernelStack: [schedule + 4, schedule + 9]))
        let symbolized = Symbolizer(kernelSymbols: symbols).symbolize(builder.finish())
        // Two addresses, two frames, both inside schedule.
        #expect(symbolized.names.map(\.function) == ["schedule", "schedule"])
        #expect(symbolized.names.allSatisfy { $0.file == "[kernel.kallsyms]" })
        let p = try Perftools_Profiles_Profile(serializedBytes: try Gzip.decompress(try PprofWriter.encode(symbolized)))
        let mapping = try #require(p.mapping.first)
        #expect(p.stringTable[Int(mapping.buildID)] == kernel.buildIDText)
        #expect(p.stringTable[Int(mapping.filename)] == "[kernel.kallsyms]")
    }
}
