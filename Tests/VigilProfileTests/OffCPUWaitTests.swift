import CVigilBPF
import Foundation
import Testing
import VigilSystem
@testable import VigilProfile
import VigilTestSupport

/// Off-CPU waits are paired with the records that end them. Samples of a process gone
/// before its mappings were read wait, with its CPU samples, for the mappings the
/// kernel sends at its exit; each wait's end record arrives before that (a thread runs
/// again to exit), and must still be its length. Waits still open at the end count
/// only for threads that still exist.
@Suite(.ownThread) struct OffCPUWaitTests {
    /// A process that has exited: its pid names nothing any more.
    static func gonePid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    static func offCPUSample(pid: Int32, at timestamp: UInt64) -> [UInt8] {
        var s = vigil_profile_sample()
        s.kind = UInt32(VIGIL_SAMPLE_OFF_CPU.rawValue)
        s.pid = UInt32(bitPattern: pid)
        s.tid = UInt32(bitPattern: pid)
        s.timestamp_ns = timestamp
        s.kernel_frames = 1
        withUnsafeMutableBytes(of: &s.kernel) { $0.storeBytes(of: UInt64(0xffff_ffff_8100_1000), as: UInt64.self) }
        s.ip = 0x40_1000
        s.sp = 0x7ffd_0000_0000
        s.start_code = 0x40_0000
        s.start_stack = 0x7ffd_0001_0000
        let size = MemoryLayout<vigil_profile_sample>.offset(of: \.user)! + Int(VIGIL_STACK_DEPTH) * 8
        var bytes = [UInt8](repeating: 0, count: max(MemoryLayout<vigil_profile_sample>.size, size))
        bytes.withUnsafeMutableBytes { out in withUnsafeBytes(of: s) { out.copyMemory(from: $0) } }
        return bytes
    }

    /// The end of the wait that began at `since`, as the kernel sends it: when the thread
    /// ran again and how long it had waited.
    static func end(pid: Int32, waited: UInt64, since: UInt64) -> [UInt8] {
        var e = vigil_off_cpu_end()
        e.kind = UInt32(VIGIL_SAMPLE_OFF_CPU_END.rawValue)
        e.pid = UInt32(bitPattern: pid)
        e.tid = UInt32(bitPattern: pid)
        e.timestamp_ns = since + waited
        e.value = waited
        return withUnsafeBytes(of: e) { Array($0) }
    }

    static func exitEnd(pid: Int32) -> [UInt8] {
        var e = vigil_exit_mapping()
        e.kind = UInt32(VIGIL_SAMPLE_EXIT_MAPPINGS_END.rawValue)
        e.pid = UInt32(bitPattern: pid)
        e.start_code = 0x40_0000
        e.start_stack = 0x7ffd_0001_0000
        return withUnsafeBytes(of: e) { Array($0.prefix(MemoryLayout<vigil_exit_mapping>.offset(of: \.path)!)) }
    }

    @Test func waitsOfAGoneProcessKeepTheirLength() throws {
        let pid = try Self.gonePid()
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        let consumer = SampleConsumer(builder: builder)
        let now = UInt64(VigilSystem.Clock.boottimeNanoseconds())
        // Two waits of one thread, each ended, then the exit's (empty) list.
        for record in [Self.offCPUSample(pid: pid, at: now), Self.end(pid: pid, waited: 3_000_000, since: now),
                       Self.offCPUSample(pid: pid, at: now + 4_000_000), Self.end(pid: pid, waited: 5_000_000, since: now + 4_000_000),
                       Self.exitEnd(pid: pid)] {
            record.withUnsafeBytes { consumer.consume($0) }
        }
        // Nothing is left waiting to be counted up to the capture's end.
        usleep(50_000)
        consumer.closeWaits()
        consumer.releaseDeferred()
        let profile = builder.finish()
        let offCPU = profile.samples.values.reduce(0) { $0 + $1.offCPUNanoseconds }
        #expect(offCPU == 8_000_000, "off-CPU time \(offCPU) ns, not the 3 + 5 ms waited")
        #expect(consumer.statistics.offCPUWaits == 2)
    }

    /// At the capture's end a thread still waiting counts up to then; one that exited
    /// meanwhile ran again first, so its end record was dropped and its wait is left out.
    @Test func openWaitsCountOnlyForThreadsThatStillExist() throws {
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["0.3"]
        try sleeper.run()
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        let consumer = SampleConsumer(builder: builder)
        let now = UInt64(VigilSystem.Clock.boottimeNanoseconds())
        for pid in [sleeper.processIdentifier, getpid()] {
            var record = Self.offCPUSample(pid: pid, at: now)
            // This process's main thread: tid = pid.
            record.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(bitPattern: pid), toByteOffset: MemoryLayout<vigil_profile_sample>.offset(of: \.tid)!, as: UInt32.self) }
            record.withUnsafeBytes { consumer.consume($0) }
        }
        sleeper.waitUntilExit()
        consumer.closeWaits()
        let profile = builder.finish()
        let waits = profile.samples.filter { $0.value.offCPUNanoseconds > 0 }.map(\.key.pid)
        #expect(waits == [getpid()], "waits counted for \(waits); the sleeper \(sleeper.processIdentifier) has exited")
        #expect(consumer.statistics.offCPUWaits == 1)
    }

    @Test func aWaitWhoseEndWasLostIsLeftOut() throws {
        let pid = try Self.gonePid()
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        let consumer = SampleConsumer(builder: builder)
        let now = UInt64(VigilSystem.Clock.boottimeNanoseconds())
        for record in [Self.offCPUSample(pid: pid, at: now), Self.exitEnd(pid: pid)] {
            record.withUnsafeBytes { consumer.consume($0) }
        }
        usleep(50_000)
        consumer.closeWaits()
        let profile = builder.finish()
        #expect(profile.samples.values.reduce(0) { $0 + $1.offCPUNanoseconds } == 0)
        #expect(consumer.statistics.offCPUWaits == 0)
    }

    /// The kernel sometimes sends no end for a wait (the thread ran again unseen). The
    /// next end belongs to the thread's next wait only: the first is left out and
    /// counted, never given the second's length (a 100 ms sleep counted as 35 µs).
    @Test(arguments: [false, true]) func anEndBelongsOnlyToTheWaitItEnds(_ gone: Bool) throws {
        let pid = gone ? try Self.gonePid() : getpid()
        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        let consumer = SampleConsumer(builder: builder)
        let now = UInt64(VigilSystem.Clock.boottimeNanoseconds())
        var records = [Self.offCPUSample(pid: pid, at: now),                  // its end never comes
                       Self.offCPUSample(pid: pid, at: now + 104_000_000),
                       Self.end(pid: pid, waited: 35_000, since: now + 104_000_000),
                       Self.end(pid: pid, waited: 7_000, since: now + 1)]     // ends no wait
        if gone { records.append(Self.exitEnd(pid: pid)) }
        for record in records { record.withUnsafeBytes { consumer.consume($0) } }
        consumer.releaseDeferred()
        let profile = builder.finish()
        #expect(profile.samples.values.reduce(0) { $0 + $1.offCPUNanoseconds } == 35_000)
        #expect(consumer.statistics.offCPUWaits == 1)
        #expect(consumer.statistics.offCPUEndsLost == 1)
        #expect(consumer.statistics.offCPUEndsUnmatched == 1)
    }
}
