import Foundation
import Testing

/// bpf/vmlinux.h is generated (`make vmlinux`) and committed; it must match the
/// kernel of the machines Vigil is built and tested on.
@Suite struct VmlinuxTests {
    @Test func committedHeaderMatchesThisKernel() throws {
        let bpftool = ["/usr/sbin/bpftool", "/usr/bin/bpftool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let bpftool, FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("bpftool or kernel BTF missing in CI") }
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bpftool)
        p.arguments = ["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let dumped = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try Data(contentsOf: root.appendingPathComponent("bpf/vmlinux.h"))
        #expect(dumped == committed, "bpf/vmlinux.h differs from this kernel's BTF: run `make vmlinux` and commit it")
    }
}
