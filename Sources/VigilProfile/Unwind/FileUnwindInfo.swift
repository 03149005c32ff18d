import Glibc
import VigilSystem

/// A binary's unwind table, the placement of its segments and its function
/// symbols, built once per file. The file stays open (a descriptor, not its
/// mapping, whose pages would count in Vigil's RSS): frames without call frame
/// information are checked against its code (see DwarfUnwinder).
final class FileUnwindInfo {
    let table: UnwindTable
    let segments: [LoadSegment]
    /// The ELF entry point: where the kernel starts a program (or its loader).
    let entryPoint: UInt64
    private let path: String
    /// -1 for an in-memory image (the vDSO), which `image` keeps instead.
    private let fd: Int32
    private let image: ELFFile?

    private var symbolTable: SymbolTable?
    private var pltSlots: PLTSlots?

    /// Function starts, only for frames without call frame information, so built on
    /// first use: most binaries never need them here.
    var symbols: SymbolTable {
        if let symbolTable { return symbolTable }
        let table = reopened()?.functionSymbolTable(externalNames: true) ?? SymbolTable()
        symbolTable = table
        return table
    }

    /// Built on first use: only frames without call frame information need it.
    var plt: PLTSlots {
        if let pltSlots { return pltSlots }
        let slots = reopened().map { PLTSlots($0) } ?? PLTSlots()
        pltSlots = slots
        return slots
    }

    private init(table: UnwindTable, segments: [LoadSegment], elf: ELFFile) {
        self.table = table
        self.segments = segments
        entryPoint = elf.entryPoint
        path = elf.path
        fd = elf.descriptor >= 0 ? fcntl(elf.descriptor, F_DUPFD_CLOEXEC, 0) : -1
        image = elf.descriptor >= 0 ? nil : elf
    }

    deinit { if fd >= 0 { close(fd) } }

    private func reopened() -> ELFFile? {
        if let image { return image }
        guard fd >= 0 else { return nil }
        return try? ELFFile(duplicating: fd, path: path)
    }

    /// Bytes held, for the unwinder's cache limit (the symbols and PLT only once built).
    var byteCount: Int { table.byteCount + (symbolTable?.byteCount ?? 0) + (pltSlots?.byteCount ?? 0) + codeCache.count * 48 }

    /// Reads .eh_frame, or .debug_frame when a binary has no .eh_frame.
    /// `file`: when given, the file must still be this one (device in the kernel's
    /// encoding, inode), checked on the descriptor opened: a path can name another
    /// file since it was mapped.
    static func load(path: String, file: (device: UInt64, inode: UInt64)? = nil) -> FileUnwindInfo? {
        guard let elf = try? ELFFile(path: path) else { return nil }
        if let file, !DeviceNumber.isFile(elf.descriptor, device: file.device, inode: file.inode) { return nil }
        return load(elf)
    }

    static func load(_ elf: ELFFile) -> FileUnwindInfo {
        let eh = elf.section(named: ".eh_frame")
        // About one row per 5 bytes of .eh_frame: reserve for twice that (only what is written is resident).
        var rows = UnwindTable.Builder(expectedRows: Int(eh?.header.sh_size ?? 0) / 3)
        if let eh {
            elf.withContents(of: eh.section) { frames in
                let header = elf.section(named: ".eh_frame_hdr")
                let inOrder = header.map { header in
                    elf.withContents(of: header.section) {
                        CallFrameInfo.rowsInAddressOrder(section: frames, address: eh.header.sh_addr, header: $0,
                                                         headerAddress: header.header.sh_addr, into: &rows)
                    }
                } ?? false
                if !inOrder { CallFrameInfo.rows(section: frames, address: eh.header.sh_addr, into: &rows) }
            }
        }
        if rows.isEmpty, let debug = elf.section(named: ".debug_frame") {
            elf.withContents(of: debug.section) { CallFrameInfo.rows(section: $0, address: 0, debugFrame: true, into: &rows) }
        }
        return FileUnwindInfo(table: UnwindTable(rows), segments: elf.loadSegments(), elf: elf)
    }

    /// Code bytes already read, by address and length: the same call sites are checked
    /// sample after sample, and each read is a syscall. (Not mmap: a library rewritten
    /// in place would turn a read into SIGBUS in the profiler.)
    private var codeCache: [UInt64: [UInt8]?] = [:]
    static let codeCacheLimit = 16_384

    /// `count` bytes of the file at ELF virtual address `address`, if they are in a segment.
    func code(at address: UInt64, count: Int) -> [UInt8]? {
        let key = address << 5 | UInt64(count & 31)
        if let known = codeCache[key] { return known }
        if codeCache.count >= Self.codeCacheLimit { codeCache.removeAll(keepingCapacity: true) }
        let bytes = readCode(at: address, count: count)
        codeCache[key] = bytes
        return bytes
    }

    private func readCode(at address: UInt64, count: Int) -> [UInt8]? {
        guard let segment = segments.first(where: { address >= $0.virtualAddress && address + UInt64(count) <= $0.virtualAddress + $0.fileSize }),
              fd >= 0 else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        let offset = off_t(address - segment.virtualAddress + segment.fileOffset)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, offset) }
        return n == count ? out : nil
    }

    /// The function a call to `target` reaches when `target` is a PLT entry of this
    /// file: the PLT entry's `jmp *slot(%rip)` names the GOT slot, .rela.plt the symbol.
    func pltFunction(at target: UInt64) -> String? {
        guard plt.contains(target), let entry = code(at: target, count: 16) else { return nil }
        for k in 0..<(entry.count - 5) where entry[k] == 0xff && entry[k + 1] == 0x25 {
            let displacement = Int64(Int32(bitPattern: UInt32(entry[k + 2]) | UInt32(entry[k + 3]) << 8
                                               | UInt32(entry[k + 4]) << 16 | UInt32(entry[k + 5]) << 24))
            let slot = target &+ UInt64(k + 6) &+ UInt64(bitPattern: displacement)
            return plt.names[slot]
        }
        return nil
    }

    /// The ELF virtual address of a file offset, through the segment that holds it.
    func virtualAddress(ofFileOffset offset: UInt64) -> UInt64? {
        segments.segment(containingFileOffset: offset)?.virtualAddress(ofFileOffset: offset)
    }
}
