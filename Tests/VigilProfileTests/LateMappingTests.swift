import Foundation
import Glibc
import Testing
@testable import VigilProfile
import VigilTestSupport

/// A library mapped after the profiler first read a process's mappings (the loader's
/// first milliseconds, dlopen) must still unwind and be named in the samples taken
/// after it was mapped, however soon after that read they come.
@Suite("Mappings that appear after the first read", .ownThread, .serialized)
struct LateMappingTests {
    static let loader = #"""
    #include <dlfcn.h>
    #include <stdio.h>
    #include <unistd.h>

    int main(int argc, char **argv) {
        printf("main=%p\n", (void *)main);
        fflush(stdout);
        char c;
        if (argc < 2 || read(0, &c, 1) != 1) return 1;
        void *library = dlopen(argv[1], RTLD_NOW);
        printf("in_library=%p\n", library ? dlsym(library, "in_library") : NULL);
        fflush(stdout);
        while (read(0, &c, 1) > 0) {}
        return 0;
    }
    """#
    static let library = #"""
    volatile int sink;
    __attribute__((noinline)) int in_library(int n) { for (int i = 0; i < n; i++) sink += i; return sink; }
    """#

    static func boottime() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_BOOTTIME, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// Reads one "name=0x..." line from the program.
    static func address(_ out: FileHandle) throws -> (String, UInt64) {
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let kv = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "=")
        let value = try #require(kv.count == 2 ? UInt64(kv[1].dropFirst(2), radix: 16) : nil, "line: \(String(decoding: line, as: UTF8.self))")
        return (String(kv[0]), value)
    }

    @Test("A library dlopen'd right after the first read is unwound and named in the next sample")
    func dlopenedLibrary() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.loader.write(toFile: "\(dir)/loader.c", atomically: true, encoding: .utf8)
        try Self.library.write(toFile: "\(dir)/late.c", atomically: true, encoding: .utf8)
        try run([Workload.clang, "-O2", "-o", "\(dir)/loader", "\(dir)/loader.c", "-ldl"])
        try run([Workload.clang, "-O2", "-fPIC", "-shared", "-o", "\(dir)/liblate.so", "\(dir)/late.c"])

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "\(dir)/loader")
        p.arguments = ["\(dir)/liblate.so"]
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardInput = input
        try p.run()
        defer { try? input.fileHandleForWriting.close(); p.waitUntilExit() }
        let pid = p.processIdentifier
        let (_, main) = try Self.address(out.fileHandleForReading)

        // A sample in main: both the unwinder and the symbolizer read the mappings now.
        let unwinder = DwarfUnwinder()
        let builder = ProfileBuilder(frequency: 99, debugFiles: DebugFileLocator(roots: []))
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let first = Self.boottime()
        _ = unwinder.unwind(pid: pid, ip: main, sp: 0x1000, bp: 0, stack: empty, takenAt: first)
        builder.add(RawSample(pid: pid, tid: pid, comm: "loader", userStack: [main], timestampNanoseconds: UInt64(first)))

        // Milliseconds later the process maps the library and runs it.
        input.fileHandleForWriting.write(Data("g".utf8))
        let (name, inLibrary) = try Self.address(out.fileHandleForReading)
        #expect(name == "in_library" && inLibrary != 0)
        let taken = Self.boottime()
        #expect(taken - first < 20_000_000, "the test means to sample within the old re-read interval")
        let maps = try ProcessMaps.read(pid: pid)
        #expect(ProcessMaps.find(inLibrary, in: maps)?.path == "\(dir)/liblate.so", "ground truth: /proc/PID/maps")

        // Its frame is found in the library's call frame information; the walk ends
        // only because this test copied no stack (truncated, not failed).
        let (frames, status) = unwinder.unwind(pid: pid, ip: inLibrary + 1, sp: 0x1000, bp: 0, stack: empty, takenAt: taken)
        #expect(frames == [inLibrary + 1])
        #expect(status == .truncated)

        builder.add(RawSample(pid: pid, tid: pid, comm: "loader", userStack: [inLibrary + 1], timestampNanoseconds: UInt64(taken)))
        let symbolized = Symbolizer(kernelSymbols: nil).symbolize(builder.finish())
        #expect(symbolized.profile.stats.unmappedFrames == 0)
        let names = Set(symbolized.names.map(\.function))
        #expect(names.contains("in_library"), "names: \(names)")
        #expect(symbolized.names.first { $0.function == "in_library" }?.file == "\(dir)/liblate.so")
    }

    @Test("A miss re-reads the mappings when they are older than the sample or the interval, not otherwise")
    func refreshRule() {
        let ms: Int64 = 1_000_000
        // Read at 10 ms, now 12 ms, interval 20 ms.
        #expect(MapsRefresh.due(readAt: 10 * ms, takenAt: 11 * ms, now: 12 * ms, interval: 20 * ms), "sampled after the read")
        #expect(!MapsRefresh.due(readAt: 10 * ms, takenAt: 9 * ms, now: 12 * ms, interval: 20 * ms), "sampled before the read: final")
        #expect(!MapsRefresh.due(readAt: 10 * ms, takenAt: nil, now: 12 * ms, interval: 20 * ms), "no timestamp: the interval decides")
        #expect(MapsRefresh.due(readAt: 10 * ms, takenAt: nil, now: 30 * ms, interval: 20 * ms))
        #expect(MapsRefresh.due(readAt: 10 * ms, takenAt: 9 * ms, now: 31 * ms, interval: 20 * ms))
    }
}
