import Foundation
import Logging
import Testing
import VigilTestSupport
import VigilBPF

/// A program the kernel's verifier rejects: the error names the verifier's reason,
/// which comes at the end of a log of thousands of lines.
@Suite(.ownThread) struct BPFErrorTests {
    @Test(.requiresRoot) func aRejectedProgramSaysWhy() throws {
        try requireRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rejected-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = TraceSensorTests.root.appendingPathComponent("Tests/VigilCLITests/Fixtures/rejected.bpf.c").path
        let r = try CLI.run(["-target", "bpf", "-O2", "-c", source, "-o", dir + "/rejected.o"], executable: "/opt/swift/usr/bin/clang")
        #expect(r.status == 0, "compiling the program: \(r.stderr)")
        BPFLogging.install(Logger(label: "test"))
        let object = try BPFObject(name: "rejected", bytes: Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/rejected.o"))))
        do {
            try object.load()
            Issue.record("the verifier accepted a read through a number")
        } catch {
            #expect("\(error)".contains("the verifier said:") && "\(error)".contains("invalid mem access"), "\(error)")
        }
    }
}
