import VigilSystem

/// What the profiler keeps about one executable or library, loaded once per file
/// ID: where its code sits (for file offset → ELF address) and its symbols,
/// merged from the file and its separate debug file.
public struct Executable: Sendable {
    public let fileID: FileID
    /// The path it was first seen under (as the process named it, not /proc/PID/root/…).
    public let path: String
    public let buildID: [UInt8]?
    public let segments: [LoadSegment]
    /// All its function symbols as loaded; in a profile, the functions its frames are in.
    public internal(set) var symbols: SymbolTable
    /// The separate debug file the symbols came from, if one was found.
    public let debugFile: String?

    /// The build ID in hex, else the file ID: what pprof's Mapping.build_id carries.
    public var buildIDText: String { buildID.map { Digest.hex($0) } ?? fileID.description }

    /// The ELF virtual address (what `nm` prints, what symbols are keyed by) of
    /// a file offset, through the PT_LOAD segment that holds it. Files without
    /// program headers (rare: not mappable) use the offset itself.
    public func virtualAddress(ofFileOffset offset: UInt64) -> UInt64 {
        segments.segment(containingFileOffset: offset)?.virtualAddress(ofFileOffset: offset) ?? offset
    }

    /// The executable address range [low, high) of the file, for pprof mappings.
    public var textRange: (low: UInt64, high: UInt64, fileOffset: UInt64) {
        let exec = segments.filter(\.executable)
        guard let first = exec.min(by: { $0.virtualAddress < $1.virtualAddress }),
              let last = exec.max(by: { $0.virtualAddress + $0.memorySize < $1.virtualAddress + $1.memorySize }) else {
            return (0, 0, 0)
        }
        return (first.virtualAddress, last.virtualAddress + last.memorySize, first.fileOffset)
    }

    /// Read an executable: `openPath` is where to open it (for a process in a
    /// container: /proc/PID/root/<path>), `path` the name to show.
    public static func load(openPath: String, path: String, debugFiles: DebugFileLocator) throws(ProfileError) -> Executable {
        let file = try ELFFile(path: openPath)
        let fileID: FileID
        do { fileID = try FileID.ofFile(descriptor: file.descriptor, size: file.size, path: openPath) }
        catch { throw .system(error) }
        return load(file, fileID: fileID, path: path, debugFiles: debugFiles)
    }

    static func load(_ file: ELFFile, fileID: FileID, path: String, debugFiles: DebugFileLocator,
                     externalNames: Bool = false) -> Executable {
        let buildID = file.buildID()
        let (symbols, debugPath) = loadSymbols(file, buildID: buildID, debugFiles: debugFiles, externalNames: externalNames)
        return Executable(fileID: fileID, path: path, buildID: buildID, segments: file.loadSegments(),
                          symbols: symbols, debugFile: debugPath)
    }

    /// The function symbols of a file, with those of its separate debug file when it
    /// has no .symtab (which holds everything a debug file would add for naming).
    /// With `externalNames` the table reads names from the files when looked up.
    static func loadSymbols(_ file: ELFFile, buildID: [UInt8]?, debugFiles: DebugFileLocator,
                            externalNames: Bool = false) -> (SymbolTable, debugFile: String?) {
        var symbols = SymbolTable.Builder()
        file.functionSymbols(into: &symbols, externalNames: externalNames)
        guard !file.hasSymtab, let debug = debugFiles.locate(for: file, buildID: buildID) else { return (symbols.build(), nil) }
        debug.functionSymbols(into: &symbols, externalNames: externalNames)
        // Built while the debug file is open: the builder points into its string table.
        return withExtendedLifetime(debug) { (symbols.build(), debug.path) }
    }
}
