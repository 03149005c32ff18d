import Foundation
import Testing
import VigilSystem
@testable import VigilProfile
import VigilTestSupport

/// Samples are named from the mappings of the program the process ran when it was
/// sampled, even when it exec'd another before its mappings were read.
@Suite("Program images", .ownThread, .serialized)
struct ProgramImageTests {
    static func ownImage() throws -> ProgramImage {
        try #require(ProcessStat.read(getpid()).programImage)
    }

    /// `sleep 5`, once it has exec'd: Process.run can return while the exec is still
    /// laying the program out.
    static func sleeper() throws -> (Process, ProgramImage) {
        let mine = try ownImage()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["5"]
        try child.run()
        for _ in 0..<500 {
            if let image = try? ProcessStat.read(child.processIdentifier).programImage, image != mine,
               (try? ProcessMaps.read(pid: child.processIdentifier))?.contains(where: { $0.path.hasSuffix("/sleep") }) == true {
                return (child, image)
            }
            usleep(2_000)
        }
        kill(child.processIdentifier, SIGKILL)
        throw CocoaError(.executableLoad)
    }

    @Test("/proc/PID/stat's fields are counted after the name, whatever it holds")
    func statParsing() throws {
        // Fields 3.. follow the last ')': ppid is field 4, startcode 26, startstack 28.
        var fields = (3...52).map { String($0) }
        fields[4 - 3] = "4242"
        fields[26 - 3] = "94000000000000"
        fields[28 - 3] = "140000000000000"
        let line = "77 (a) b (c)) " + fields.joined(separator: " ") + "\n"
        let parsed = try #require(ProcessStat.parse(Array(line.utf8)))
        #expect(parsed.parent == 4242)
        #expect(parsed.programImage == ProgramImage(startCode: 94_000_000_000_000, startStack: 140_000_000_000_000))
        // What /proc shows a reader without ptrace access, and an exec midway: nothing known.
        #expect(ProgramImage(startCode: 1, startStack: 0) == nil)
        #expect(ProgramImage(startCode: 0, startStack: 140_000_000_000_000) == nil)
    }

    @Test("Our own image is the one in /proc/self/stat, and a child that exec'd runs another")
    func imagesDiffer() throws {
        let mine = try Self.ownImage()
        let (child, its) = try Self.sleeper()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        #expect(try ProcessStat.read(child.processIdentifier).parent == getpid())
        #expect(its != mine)
        // Ground truth: the start of sleep's code is in its first mapping of the file.
        let maps = try ProcessMaps.read(pid: child.processIdentifier)
        #expect(maps.contains { $0.path.hasSuffix("/sleep") && $0.contains(its.startCode) }, "\(its) \(maps)")
    }

    @Test("A sample from before a child's exec is named from its parent's program")
    func childBeforeExec() throws {
        let mine = try Self.ownImage()
        let (child, _) = try Self.sleeper()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let pid = child.processIdentifier
        let me = Glibc.getpid()
        let getpid = UInt64(UInt(bitPattern: dlsym(nil, "getpid")))
        let nowhere = ProgramImage(startCode: 0x5555_0000_0000, startStack: 0x7ffd_0000_0000)

        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        // The child ran our program (fork copies it) when this was sampled; by now it
        // runs sleep, where getpid's address in our process means nothing.
        builder.add(RawSample(pid: pid, tid: pid, comm: "t", userStack: [getpid], image: mine))
        // Ground truth: the same address sampled in this process.
        builder.add(RawSample(pid: me, tid: me, comm: "t", userStack: [getpid], image: mine))
        // A program nobody runs any more, and no copy of it was read: marked.
        builder.add(RawSample(pid: pid, tid: pid, comm: "t", kernelStack: [0xffffffff81001000], userStack: [getpid], image: nowhere))
        let profile = builder.finish()
        #expect(profile.stats.unmappedFrames == 0)
        #expect(profile.stats.execReplaced == 1)
        let symbolized = Symbolizer(kernelSymbols: nil).symbolize(profile)
        let names = profile.traces.map { $0.map { symbolized.names[Int($0)].function } }
        let inChild = profile.samples.keys.filter { $0.pid == pid }.map { names[Int($0.trace)] }
        let inUs = profile.samples.keys.filter { $0.pid == me }.map { names[Int($0.trace)] }
        #expect(inUs.count == 1 && inUs[0].count == 1 && inUs[0][0].contains("getpid"), "\(inUs)")
        #expect(inChild.contains(inUs[0]), "\(inChild)")
        #expect(names.contains { $0.last == "[program replaced by exec before its mappings were read]" }, "\(names)")
    }

    @Test("A copy read before an exec still names samples taken before it")
    func olderCopyIsKept() throws {
        let dir = NSTemporaryDirectory() + "vigil-image-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A shell that waits, then exec's sleep.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "read x; exec /bin/sleep 5"]
        let input = Pipe()
        child.standardInput = input
        try child.run()
        defer { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() }
        let pid = child.processIdentifier
        let mine = try Self.ownImage()
        var laidOut: (ProgramImage, ExecutableMapping)? = nil
        for _ in 0..<500 where laidOut == nil {  // Process.run can return mid-exec
            if let image = try? ProcessStat.read(pid).programImage, image != mine,
               let code = (try? ProcessMaps.read(pid: pid))?.first(where: { $0.path.hasSuffix("/dash") || $0.path.hasSuffix("/sh") || $0.path.hasSuffix("/bash") }) {
                laidOut = (image, code)
            } else {
                usleep(2_000)
            }
        }
        let (shell, shellCode) = try #require(laidOut)

        let builder = ProfileBuilder(frequency: 19, debugFiles: DebugFileLocator(roots: []))
        builder.add(RawSample(pid: pid, tid: pid, comm: "sh", userStack: [shellCode.start + 16], image: shell))
        // Now it exec's: a sample of the new program reads the maps again...
        input.fileHandleForWriting.write(Data("go\n".utf8))
        var sleeping: ProgramImage? = nil
        for _ in 0..<200 {
            if let now = try? ProcessStat.read(pid).programImage, now != shell { sleeping = now; break }
            usleep(10_000)
        }
        let sleepImage = try #require(sleeping)
        let sleepCode = try #require(try ProcessMaps.read(pid: pid).first { $0.path.hasSuffix("/sleep") })
        builder.add(RawSample(pid: pid, tid: pid, comm: "sleep", userStack: [sleepCode.start + 16], image: sleepImage))
        // ...and a late sample of the shell is still named from the shell's copy.
        builder.add(RawSample(pid: pid, tid: pid, comm: "sh", userStack: [shellCode.start + 32], image: shell))
        let profile = builder.finish()
        #expect(profile.stats.unmappedFrames == 0 && profile.stats.execReplaced == 0)
        let files = Set(profile.frames.filter { $0.kind == .native }.compactMap { profile.executables[$0.file]?.path })
        #expect(files == [shellCode.path, sleepCode.path], "\(files)")
    }
}
