import Foundation
import Testing
import VigilTestSupport

/// `vigil profile` against ground truth: workloads whose call chain the test knows,
/// built without frame pointers, and their CPU time as the kernel accounted it.
@Suite(.ownThread, .serialized) struct ProfileCommandTests {
    let helper = TraceCommandTests()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-profile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Builds a fixture with plain `swiftc -O` (no frame pointers); false when swiftc is missing.
    func buildSwift(_ fixture: String, to output: String) throws -> Bool {
        let swiftc = "/opt/swift/usr/bin/swiftc"
        guard FileManager.default.isExecutableFile(atPath: swiftc) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("swiftc missing at \(swiftc)") }
            return false
        }
        let build = try CLI.run(["-O", "-o", output, Self.fixtures.appendingPathComponent(fixture).path], executable: swiftc)
        #expect(build.status == 0, "\(build.stderr)")
        return build.status == 0
    }

    /// folded lines → (stack without the process name, count).
    func folded(_ path: String) throws -> [(stack: String, count: Int)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let space = line.lastIndex(of: " "), let n = Int(line[line.index(after: space)...]) else { return nil }
            let frames = line[..<space].split(separator: ";", maxSplits: 1)
            return (frames.count > 1 ? String(frames[1]) : "", n)
        }
    }

    @Test(.requiresRoot) func cStacksAreCompleteWithoutFramePointersAndCountsMatchCPUTime() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cc = FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/clang") ? "/opt/swift/usr/bin/clang" : "/usr/bin/cc"
        let build = try CLI.run(["-O2", "-fomit-frame-pointer", "-o", dir + "/spin", Self.fixtures.appendingPathComponent("spin.c").path], executable: cc)
        #expect(build.status == 0, "\(build.stderr)")
        let r = try CLI.run(["profile", "--frequency", "99", "--format", "folded", "-o", dir + "/out.folded", "--",
                             "/usr/bin/time", "-f", "%U %S", "-o", dir + "/cpu", dir + "/spin", "150000"])
        #expect(r.status == 0, "\(r.stderr)")
        let stacks = try folded(dir + "/out.folded")
        let spin = stacks.filter { $0.stack.hasSuffix("main;top;middle;leaf") }
        let total = stacks.map(\.count).reduce(0, +)
        let complete = spin.filter { $0.stack.hasPrefix("_start;__libc_start_main;") }.map(\.count).reduce(0, +)
        // glibc has no frame pointers and spin was built without them: every stack
        // must still reach _start through glibc, from the binaries' .eh_frame.
        #expect(Double(complete) >= 0.9 * Double(spin.map(\.count).reduce(0, +)), "\(stacks)")
        // Samples against the CPU time the kernel accounted to the workload (±25%).
        let cpu = try String(contentsOfFile: dir + "/cpu", encoding: .utf8).split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.reduce(0, +)
        let expected = cpu * 99
        #expect(Double(total) > expected * 0.75 && Double(total) < expected * 1.25, "\(total) samples for \(cpu) s of CPU at 99 Hz")
        #expect(r.stderr.contains("top functions by self time"))
        #expect(r.stderr.contains("leaf"))
    }

    @Test(.requiresRoot) func swiftBuiltWithPlainSwiftcOHasCompleteStacks() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard try buildSwift("spin.swift", to: dir + "/spin-swift") else { return }
        let r = try CLI.run(["profile", "--frequency", "99", "--format", "folded", "-o", dir + "/out.folded", "--", dir + "/spin-swift", "150000"])
        #expect(r.status == 0, "\(r.stderr)")
        let stacks = try folded(dir + "/out.folded")
        let inLeaf = stacks.filter { $0.stack.contains("main.leaf(Swift.Double) -> Swift.Double") }
        let complete = inLeaf.filter {
            $0.stack.hasPrefix("_start;__libc_start_main;") && $0.stack.contains(";main;main.top(Swift.Double) -> Swift.Double;main.middle(Swift.Double) -> Swift.Double;main.leaf")
        }
        let all = inLeaf.map(\.count).reduce(0, +)
        #expect(all > 50, "\(stacks)")
        #expect(Double(complete.map(\.count).reduce(0, +)) >= 0.9 * Double(all), "\(stacks)")
    }

    /// Samples in the Swift runtime (no call frame information, reached through the
    /// PLT) unwind to main; and no stack shows a frame that is not code: a stack that
    /// cannot be unwound is marked failed rather than filled with guesses.
    @Test(.requiresRoot) func swiftRuntimeFramesUnwindAndNothingIsInvented() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        guard try buildSwift("retain.swift", to: dir + "/retain") else { return }
        let r = try CLI.run(["profile", "--frequency", "199", "--format", "folded", "-o", dir + "/out.folded", "--", dir + "/retain", "10000000"])
        #expect(r.status == 0, "\(r.stderr)")
        let stacks = try folded(dir + "/out.folded")
        let throughRetain = stacks.filter { $0.stack.hasPrefix("_start;") && $0.stack.contains(";main;retain.churn(Swift.Int) -> Swift.Int;swift_retain") }
        #expect(throughRetain.map(\.count).reduce(0, +) > 0, "no complete stack through swift_retain: \(stacks)")
        for s in stacks {
            #expect(!s.stack.contains("[unknown]"), "a frame that is not code: \(s.stack)")
        }
    }

    /// A shell that runs many short programs: samples land inside execve after the
    /// kernel replaced the caller's memory. Those say so; none shows an address of
    /// the replaced program as if it were a frame, and the kernel's side is kept.
    @Test(.requiresRoot) func samplesInsideExecveAreMarkedNotInvented() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["profile", "--frequency", "997", "--format", "folded", "-o", dir + "/out.folded", "--",
                             "/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do /bin/true; i=$((i+1)); done"])
        #expect(r.status == 0, "\(r.stderr)")
        let stacks = try folded(dir + "/out.folded")
        for s in stacks {
            #expect(!s.stack.contains("[unknown]"), "a frame that is not code: \(s.stack)")
        }
        let marked = stacks.filter { $0.stack.hasPrefix("[in execve: the calling program was already replaced];") }
        #expect(!marked.isEmpty, "no sample inside execve after the switch: \(stacks.prefix(40))")
        for s in marked {
            #expect(s.stack.contains("execve"), "a marked stack outside execve: \(s.stack)")
        }
        // Each `true` lives about a millisecond and is gone long before its samples
        // are read: they are named from the mappings the kernel sent as it exited.
        let lines = try String(contentsOfFile: dir + "/out.folded", encoding: .utf8).split(separator: "\n")
        func count(_ keep: (Substring) -> Bool) -> Int {
            lines.filter { $0.hasPrefix("true;") && keep($0) }.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
        }
        let all = count { _ in true }
        let named = count { $0.hasPrefix("true;ld-linux") || $0.hasPrefix("true;true+") || $0.hasPrefix("true;_start;") }
        let gone = count { $0.contains("[process exited before its mappings were read]") }
        #expect(all > 100, "\(all) samples of true")
        #expect(Double(named) >= 0.5 * Double(all), "\(named) of \(all) samples of true named to the program's entry")
        #expect(Double(gone) <= 0.1 * Double(all), "\(gone) of \(all) samples of true not named")
        #expect(r.stderr.contains("named from the mappings sent at their process's exit"), "\(r.stderr)")
    }

    @Test(.requiresRoot) func everyFormatIsWritten() throws {
        try requireRoot()
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (format, file) in [("pprof", "p.pb.gz"), ("svg", "p.svg"), ("callgrind", "callgrind.out"), ("folded", "p.folded")] {
            // A busy shell loop, so that every format has samples to show.
            let r = try CLI.run(["profile", "--format", format, "-o", dir + "/" + file, "--frequency", "199", "--",
                                 "/bin/sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"])
            #expect(r.status == 0, "\(format): \(r.stderr)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            #expect(bytes.count > 0, "\(format) output is empty")
            switch format {
            case "pprof": #expect(Array(bytes.prefix(2)) == [0x1f, 0x8b], "pprof is gzip'd")
            case "svg": #expect(String(decoding: bytes, as: UTF8.self).contains("<svg"))
            case "callgrind": #expect(String(decoding: bytes, as: UTF8.self).contains("fn="))
            default: break
            }
        }
    }

    @Test func badInputIsRefusedClearly() throws {
        let zero = try CLI.vigil("profile", "--frequency", "0")
        #expect(zero.status != 0 && zero.stderr.contains("--frequency must be between 1 and 10000 Hz"))
        let both = try CLI.vigil("profile", "--self", "--pid", "1")
        #expect(both.status != 0 && both.stderr.contains("--self profiles Vigil alone"))
        let duration = try CLI.vigil("profile", "--duration", "soon")
        #expect(duration.status != 0 && duration.stderr.contains("cannot read duration 'soon'"))
        // The one duration grammar (DurationText), with the reason.
        let order = try CLI.vigil("profile", "--interval", "30s2m", "--output-dir", "/tmp")
        #expect(order.status != 0 && order.stderr.contains("--interval: cannot read duration '30s2m': 'm' comes twice or after a smaller unit"), "\(order.stderr)")
        let zeroDuration = try CLI.vigil("profile", "--duration", "0s")
        #expect(zeroDuration.status != 0 && zeroDuration.stderr.contains("--duration must be more than 0, found '0s'"), "\(zeroDuration.stderr)")
    }
}
