import Foundation
import Testing
import VigilTestSupport

/// bpf/vmlinux.h is generated (`make vmlinux`) from some kernel's BTF and committed.
/// CO-RE exists so that programs built from one kernel's header load on others, so
/// the header is not required to equal the running kernel's BTF (that failed every
/// time a machine's kernel was updated). What is checked instead: the header has the
/// form `make vmlinux` writes, and it declares the kernel types the programs read.
/// That the programs built from it load and attach on this kernel is what the sensor
/// tests (ProcessSensorTests, FileSensorTests, …) show.
@Suite(.ownThread) struct VmlinuxTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func committed() throws -> String {
        try String(contentsOf: root.appendingPathComponent("bpf/vmlinux.h"), encoding: .utf8)
    }

    /// The opening and closing lines bpftool writes around the types.
    static let prologue = """
        #ifndef __VMLINUX_H__
        #define __VMLINUX_H__

        #ifndef BPF_NO_PRESERVE_ACCESS_INDEX
        #pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
        #endif
        """
    static let epilogue = """
        #ifndef BPF_NO_PRESERVE_ACCESS_INDEX
        #pragma clang attribute pop
        #endif

        #endif /* __VMLINUX_H__ */
        """

    @Test func committedHeaderHasTheFormMakeVmlinuxWrites() throws {
        let header = try Self.committed()
        #expect(header.hasPrefix(Self.prologue), "bpf/vmlinux.h does not start as `bpftool btf dump … format c` writes: run `make vmlinux`")
        #expect(header.hasSuffix(Self.epilogue + "\n"), "bpf/vmlinux.h is cut short or edited at its end: run `make vmlinux`")
        // Without preserve_access_index the programs' field reads would not be relocated.
        #expect(header.components(separatedBy: "preserve_access_index").count - 1 == 1)
    }

    /// Every `struct NAME` the BPF sources name (outside the ones they define
    /// themselves) is defined in the header, so a header dumped from a kernel that
    /// lacks one fails here with its name rather than deep in a clang error.
    @Test func committedHeaderDefinesTheKernelStructsTheProgramsRead() throws {
        let header = try Self.committed()
        let bpfDir = Self.root.appendingPathComponent("bpf")
        let sources = try FileManager.default.contentsOfDirectory(atPath: bpfDir.path)
            .filter { ($0.hasSuffix(".bpf.c") || $0.hasSuffix(".h")) && $0 != "vmlinux.h" }
        #expect(!sources.isEmpty)
        var used = Set<String>(), ownDefinitions = Set<String>()
        let use = try Regex(#"struct\s+([A-Za-z_][A-Za-z0-9_]*)"#)
        let definition = try Regex(#"struct\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{"#)
        for name in sources {
            let text = try String(contentsOf: bpfDir.appendingPathComponent(name), encoding: .utf8)
            for m in text.matches(of: use) { used.insert(String(text[m.output[1].range!])) }
            for m in text.matches(of: definition) { ownDefinitions.insert(String(text[m.output[1].range!])) }
        }
        let kernelStructs = used.subtracting(ownDefinitions)
        #expect(kernelStructs.contains("task_struct"))
        for name in kernelStructs.sorted() {
            #expect(header.contains("struct \(name) {"), "bpf/vmlinux.h has no struct \(name), which bpf/ reads: run `make vmlinux` on a kernel that has it")
        }
    }

    /// Where bpftool is installed, the running kernel's dump has the same framing:
    /// the check above follows bpftool, not a copy of one file.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux")))
    func bpftoolWritesTheSameFraming() throws {
        guard let bpftool = ["/usr/sbin/bpftool", "/usr/bin/bpftool"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("bpftool is missing in CI (scripts/bootstrap installs it)") }
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bpftool)
        p.arguments = ["btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let dumped = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(dumped.hasPrefix(Self.prologue))
        #expect(dumped.hasSuffix(Self.epilogue + "\n"))
    }
}
