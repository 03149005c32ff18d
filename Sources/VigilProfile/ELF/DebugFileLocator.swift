import CZlib
import Glibc
import VigilSystem

/// Finds the separate debug file of a stripped binary the way GDB and elfutils
/// do: by build ID under `<root>/.build-id/xx/yyyy.debug`, then by the
/// .gnu_debuglink name next to the binary, in its `.debug/` folder, and under
/// `<root>/<binary's folder>/`.
public struct DebugFileLocator: Sendable {
    /// Global debug folders; Debian's -dbgsym packages install into /usr/lib/debug.
    public let roots: [String]

    public init(roots: [String] = ["/usr/lib/debug"]) {
        self.roots = roots
    }

    /// Candidate paths by build ID, most specific first.
    public func paths(buildID: [UInt8]) -> [String] {
        guard buildID.count >= 2 else { return [] }
        let hex = Digest.hex(buildID)
        return roots.map { "\($0)/.build-id/\(hex.prefix(2))/\(hex.dropFirst(2)).debug" }
    }

    /// Candidate paths for a debuglink `name` of the binary at `binaryPath`.
    public func paths(debugLink name: String, binaryPath: String) -> [String] {
        let folder = binaryPath.lastIndex(of: "/").map { String(binaryPath[..<$0]) } ?? "."
        return ["\(folder)/\(name)", "\(folder)/.debug/\(name)"] + roots.map { "\($0)\(folder)/\(name)" }
    }

    /// The debug file for `binary`, opened, or nil. A candidate must carry the same
    /// build ID (when both have one) or match the debuglink's CRC-32, so a stale
    /// debug file of another build is never used to name functions.
    func locate(for binary: ELFFile, buildID: [UInt8]?) -> ELFFile? {
        if let buildID {
            for path in paths(buildID: buildID) where path != binary.path {
                if let file = try? ELFFile(path: path), file.buildID() == buildID { return file }
            }
        }
        guard let link = binary.debugLink() else { return nil }
        for path in paths(debugLink: link.name, binaryPath: binary.path) where path != binary.path {
            guard let file = try? ELFFile(path: path) else { continue }
            if let buildID, let other = file.buildID() {
                if other == buildID { return file }
            } else if (try? DebugFileLocator.crc32(of: path)) == link.crc {
                return file
            }
        }
        return nil
    }

    /// zlib's CRC-32 (the debuglink checksum) of a whole file.
    static func crc32(of path: String) throws(SystemError) -> UInt32 {
        let fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var crc = CZlib.crc32(0, nil, 0)
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try retryingEINTR("read", path: path) { Glibc.read(fd, buffer.baseAddress, chunk) }
            if n == 0 { break }
            crc = CZlib.crc32(crc, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(n))
        }
        return UInt32(crc)
    }
}
