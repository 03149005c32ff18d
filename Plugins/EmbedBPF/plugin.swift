import Foundation
import PackagePlugin

/// Compiles every bpf/*.bpf.c with the toolchain's clang and embeds the objects
/// in the target as Swift source, so the vigil binary carries its BPF programs.
/// Only .swift files are declared as outputs (anything else would become a resource).
@main
struct EmbedBPF: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let bpf = package.appendingPathComponent("bpf")
        let script = package.appendingPathComponent("scripts/embed-bpf")
        let clang = try context.tool(named: "clang").url
        let objcopy = (try? context.tool(named: "llvm-objcopy").url)
            ?? clang.deletingLastPathComponent().appendingPathComponent("llvm-objcopy")
        let files = try FileManager.default.contentsOfDirectory(atPath: bpf.path).sorted()
        let headers = files.filter { $0.hasSuffix(".h") }.map { bpf.appendingPathComponent($0) }
        return files.filter { $0.hasSuffix(".bpf.c") }.map { file in
            let source = bpf.appendingPathComponent(file)
            let name = String(file.dropLast(".bpf.c".count))
            let output = context.pluginWorkDirectoryURL.appendingPathComponent("\(name).bpf.swift")
            return .buildCommand(
                displayName: "Compiling BPF program \(file)",
                executable: URL(fileURLWithPath: "/bin/bash"),
                arguments: [script.path, clang.path, objcopy.path, package.path, source.path, output.path],
                inputFiles: [source, script] + headers,
                outputFiles: [output]
            )
        }
    }
}
