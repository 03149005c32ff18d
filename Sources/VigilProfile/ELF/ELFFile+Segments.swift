import CElf

/// A PT_LOAD program header: how a range of the file is placed in memory.
public struct LoadSegment: Sendable, Equatable {
    public let virtualAddress: UInt64
    public let fileOffset: UInt64
    public let fileSize: UInt64
    public let memorySize: UInt64
    public let executable: Bool

    /// The link-time virtual address (what `nm` prints) of a file offset in this segment.
    public func virtualAddress(ofFileOffset offset: UInt64) -> UInt64 {
        offset - fileOffset + virtualAddress
    }
}

extension ELFFile {
    /// The PT_LOAD segments in program header order.
    func loadSegments() -> [LoadSegment] {
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { return [] }
        var out: [LoadSegment] = []
        for i in 0..<count {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil, ph.p_type == UInt32(PT_LOAD) else { continue }
            out.append(LoadSegment(virtualAddress: ph.p_vaddr, fileOffset: ph.p_offset, fileSize: ph.p_filesz,
                                   memorySize: ph.p_memsz, executable: ph.p_flags & UInt32(PF_X) != 0))
        }
        return out
    }
}

extension [LoadSegment] {
    /// The segment whose file bytes hold `offset`, preferring executable ones (a
    /// page can be mapped twice when segments share it).
    func segment(containingFileOffset offset: UInt64) -> LoadSegment? {
        let holding = filter { offset >= $0.fileOffset && offset < $0.fileOffset + Swift.max($0.fileSize, 1) }
        return holding.first { $0.executable } ?? holding.first
    }
}

extension ELFFile {
    /// Where the kernel starts a thread in this file (e_entry), 0 if unknown.
    var entryPoint: UInt64 {
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { return 0 }
        return header.e_entry
    }
}
