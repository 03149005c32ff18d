import Glibc
import VigilSystem

/// The output formats of `vigil profile --format`.
public enum ProfileFormat: String, CaseIterable, Sendable {
    case pprof, folded, callgrind, svg

    /// The profile in this format; `kind` picks cpu samples or off-CPU time for
    /// the formats that show one measure (pprof carries both).
    public func encode(_ profile: SymbolizedProfile, kind: SampleKind = .cpu, title: String = "vigil profile") throws(ProfileError) -> [UInt8] {
        switch self {
        case .pprof:
            return try PprofWriter.encode(profile)
        case .folded:
            return Array(FoldedWriter.render(NamedStacks(profile, kind: kind)).utf8)
        case .callgrind:
            return Array(CallgrindWriter.render(NamedStacks(profile, kind: kind, processRoot: false), command: title).utf8)
        case .svg:
            var options = FlameGraphSVG.Options()
            options.title = title
            return Array(FlameGraphSVG.render(NamedStacks(profile, kind: kind), options: options).utf8)
        }
    }

    /// Write the profile to `path` (created or truncated).
    public func write(_ profile: SymbolizedProfile, to path: String, kind: SampleKind = .cpu, title: String = "vigil profile") throws(ProfileError) {
        let bytes = try encode(profile, kind: kind, title: title)
        let fd: Int32
        do { fd = try retryingEINTR("open", path: path) { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) } }
        catch { throw .system(error) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .system(SystemError("write", path: path))
            }
            done += n
        }
    }
}
