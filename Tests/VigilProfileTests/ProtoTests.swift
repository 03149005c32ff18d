import Foundation
import Testing
import VigilTestSupport

/// profile.pb.swift is generated once and committed; this checks it is what
/// `make proto` would generate from profile.proto today.
@Suite("Generated protobuf code", .ownThread)
struct ProtoTests {
    static let protoDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/VigilProfileFormats/Proto").path

    /// protoc-gen-swift on PATH, next to this test bundle (any scratch path), or in .build/debug.
    static func plugin() -> String? {
        if let onPath = which("protoc-gen-swift") { return onPath }
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let root = URL(fileURLWithPath: protoDirectory).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        return ["\(bundleDir)/protoc-gen-swift", "\(root)/.build/debug/protoc-gen-swift"].first(where: isExecutable)
    }

    @Test("profile.pb.swift is current with profile.proto")
    func generatedFileIsCurrent() throws {
        guard let protoc = which("protoc"), let plugin = Self.plugin() else {
            let message = "protoc or protoc-gen-swift missing: install protobuf-compiler and run `swift build --product protoc-gen-swift`"
            if inCI { Issue.record(Comment(rawValue: message)) } else { print("skipped: \(message)") }
            return
        }
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: out) }
        try run([protoc, "--plugin=protoc-gen-swift=\(plugin)", "--swift_opt=Visibility=Public", "--swift_out=\(out)", "--proto_path=\(Self.protoDirectory)", "profile.proto"])
        let fresh = try String(contentsOfFile: "\(out)/profile.pb.swift", encoding: .utf8)
        let committed = try String(contentsOfFile: "\(Self.protoDirectory)/profile.pb.swift", encoding: .utf8)
        #expect(fresh == committed, "profile.pb.swift is stale: run `make proto`")
    }
}
