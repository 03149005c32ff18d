import Foundation
import Testing
@testable import VigilProfile
import VigilTestSupport

/// Real samples of a running C program: addresses it printed, resolved through its
/// /proc/PID/maps and its ELF file, hashed, counted and named.
@Suite("Pipeline", .ownThread, .serialized)
struct PipelineTests {
    /// main→middle_a→leaf_b 30 times, main→middle_a 50, main→other_c 20; known counts.
    static func profileOfWorkload(in dir: String) throws -> (SymbolizedProfile, Int32, String) {
        let binary = try Workload.compile(in: dir)
        let running = try Workload.Running(binary)
        defer { running.stop() }
        let a = running.addresses
        let main = try #require(a["main"]), middle = try #require(a["middle_a"])
        let leaf = try #require(a["leaf_b"]), other = try #require(a["other_c"])
        let builder = ProfileBuilder(frequency: 100, debugFiles: DebugFileLocator(roots: []))
        let pid = running.pid
        // Leaf pc at +1; return addresses at +2 (the pipeline steps back one byte into the call).
        for _ in 0..<30 { builder.add(RawSample(pid: pid, tid: pid, comm: "workload", userStack: [leaf + 1, middle + 2, main + 2])) }
        for i in 0..<50 { builder.add(RawSample(pid: pid, tid: pid + Int32(i % 2), comm: "workload", userStack: [middle + 1, main + 2])) }
        for _ in 0..<20 { builder.add(RawSample(pid: pid, tid: pid, comm: "workload", userStack: [other + 1, main + 2])) }
        return (Symbolizer(kernelSymbols: nil).symbolize(builder.finish()), pid, binary)
    }

    @Test("Samples become three distinct traces with their counts and names")
    func deduplicates() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (symbolized, pid, binary) = try Self.profileOfWorkload(in: dir)
        let profile = symbolized.profile
        #expect(profile.traces.count == 3)
        #expect(profile.samples.count == 3, "one entry per distinct (trace, pid, comm), whatever the tid")
        #expect(profile.cpuSampleCount == 100)
        #expect(profile.stats.samples == 100)
        var byStack: [String: UInt64] = [:]
        for (key, values) in profile.samples {
            let names = profile.traces[Int(key.trace)].map { symbolized.names[Int($0)].function }
            byStack[names.joined(separator: "<")] = values.cpuSamples
            #expect(key.pid == pid)
        }
        #expect(byStack == ["leaf_b<middle_a<main": 30, "middle_a<main": 50, "other_c<main": 20])
        // Native frames point into the workload binary, identified by its file ID.
        let id = try FileID.ofFile(binary)
        let exe = try #require(profile.executables[id])
        #expect(exe.path == binary)
        #expect(profile.frames.filter { $0.kind == .native }.allSatisfy { $0.file == id })
        // Addresses are ELF virtual addresses: the one of middle_a is nm's.
        let nm = try #require(try nmFunctions(binary).first { $0.name == "middle_a" })
        #expect(profile.frames.contains { $0.kind == .native && $0.address == nm.address + 1 })
    }

    @Test("Incomplete unwinds are marked with a root frame and counted, nothing invented")
    func markers() throws {
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        let me = getpid()
        let pc = UInt64(UInt(bitPattern: dlsym(nil, "strlen")))
        builder.add(RawSample(pid: me, tid: me, comm: "t", userStack: [pc], userUnwind: .truncated))
        builder.add(RawSample(pid: me, tid: me, comm: "t", userStack: [pc], userUnwind: .failed))
        builder.add(RawSample(pid: me, tid: me, comm: "t", userStack: [pc]))
        builder.add(RawSample(pid: me, tid: me, comm: "t", kernelStack: [0xffffffff81001000], kernelUnwind: .truncated))
        let profile = builder.finish()
        #expect(profile.traces.count == 4)
        #expect(profile.stats.userTruncated == 1 && profile.stats.userFailed == 1 && profile.stats.kernelTruncated == 1)
        let symbolized = Symbolizer(kernelSymbols: nil).symbolize(profile)
        let roots = Set(profile.traces.map { symbolized.names[Int($0.last!)].function })
        #expect(roots.contains("[user stack truncated]") && roots.contains("[user unwind failed]") && roots.contains("[kernel stack truncated]"))
        // The complete trace is just strlen's frame (libc), with no marker.
        let complete = profile.traces.first { $0.count == 1 && profile.frames[Int($0[0])].kind == .native }
        #expect(complete != nil)
        #expect(profile.periodNanoseconds == 1_000_000_000 / 19)
    }

    @Test("A sample inside execve whose caller is already replaced is marked, not shown as an unmapped address")
    func execReplaced() throws {
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        let me = getpid()
        let pc = UInt64(UInt(bitPattern: dlsym(nil, "strlen")))
        let nowhere: UInt64 = 0x10  // below every mapping
        builder.add(RawSample(pid: me, tid: me, comm: "t", kernelStack: [0xffffffff81001000], userStack: [nowhere, pc], inExecve: true))
        // Outside execve an unmapped address stays what it is, and is counted.
        builder.add(RawSample(pid: me, tid: me, comm: "t", userStack: [nowhere]))
        // The decoder's verdict (no stack left to copy) is marked the same way.
        builder.add(RawSample(pid: me, tid: me, comm: "t", kernelStack: [0xffffffff81001000], userUnwind: .replacedByExec, inExecve: true))
        let profile = builder.finish()
        #expect(profile.stats.execReplaced == 2 && profile.stats.unmappedFrames == 1)
        let symbolized = Symbolizer(kernelSymbols: nil).symbolize(profile)
        let execTraces = profile.traces.filter { $0.count == 2 }
        #expect(execTraces.count == 1, "both exec samples are one trace: kernel frame, then the marker")
        for trace in execTraces {
            #expect(profile.frames[Int(trace[0])].kind == .kernel)
            #expect(symbolized.names[Int(trace[1])].function == "[in execve: the calling program was already replaced]")
        }
    }

    @Test("A frame-pointer walk is cut at the first return address that follows no call")
    func framePointerWalkIsChecked() throws {
        let me = getpid()
        let pc = UInt64(UInt(bitPattern: dlsym(nil, "getpid")))
        let unwinder = DwarfUnwinder()
        // What rbp held in code without frame pointers: ASCII, and a function's own
        // entry (no call instruction ends just before it).
        let garbage: UInt64 = 0x7364_616f_6c65_71
        let (cut, status) = unwinder.checkedFramePointerStack(pid: me, [pc, garbage, pc], status: .complete)
        #expect(cut == [pc] && status == .failed)
        let (entry, entryStatus) = unwinder.checkedFramePointerStack(pid: me, [pc, pc], status: .complete)
        #expect(entry == [pc] && entryStatus == .failed)
        // The interrupted pc alone needs no call before it.
        let (leaf, leafStatus) = unwinder.checkedFramePointerStack(pid: me, [pc], status: .complete)
        #expect(leaf == [pc] && leafStatus == .complete)
    }

    @Test("A process that exited before its maps were read keeps its kernel frames")
    func goneProcess() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        builder.add(RawSample(pid: p.processIdentifier, tid: p.processIdentifier, comm: "true",
                              kernelStack: [0xffffffff81001000], userStack: [0x401000, 0x401100]))
        let profile = builder.finish()
        #expect(profile.stats.processGone == 1)
        let trace = try #require(profile.traces.first)
        #expect(trace.map { profile.frames[Int($0)].kind } == [.kernel, .marker])
    }
}
