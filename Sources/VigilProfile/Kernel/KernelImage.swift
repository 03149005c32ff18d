import VigilSystem

/// The running kernel as a "file" of the profile: identified by its GNU build ID
/// (from /sys/kernel/notes), its file ID derived from that as the otel profiler does.
public struct KernelImage: Sendable {
    public let buildID: [UInt8]?
    public let fileID: FileID
    /// uname's release, for display ("6.1.0-18-amd64").
    public let release: String

    public init(buildID: [UInt8]?, release: String) {
        self.buildID = buildID
        self.release = release
        // Without a build ID the kernel still needs a stable ID: hash its release instead.
        if let buildID {
            fileID = .ofKernel(buildID: buildID)
        } else {
            var h = FNV128a()
            h.update(release.utf8)
            fileID = FileID(bytes: h.digest)
        }
    }

    /// The running kernel; the build ID is nil when /sys/kernel/notes is unreadable.
    public static func current(notesPath: String = "/sys/kernel/notes") -> KernelImage {
        let notes = try? FileSystem.read(notesPath)
        let release = (try? Uname.current().release) ?? ""
        return KernelImage(buildID: notes.flatMap(BuildID.find(inNotes:)), release: release)
    }

    public var buildIDText: String { buildID.map { Digest.hex($0) } ?? fileID.description }
}
