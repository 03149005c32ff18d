import CElf
import Glibc

extension ELFFile {
    /// The GNU build ID from the file's note sections (or PT_NOTE segments when
    /// section headers are gone), or nil.
    func buildID() -> [UInt8]? {
        for (section, header) in sections() where header.sh_type == UInt32(SHT_NOTE) {
            guard let data = elf_getdata(section, nil) else { continue }
            if let id = buildID(in: data) { return id }
        }
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { return nil }
        for i in 0..<count {
            var ph = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(i), &ph) != nil, ph.p_type == UInt32(PT_NOTE),
                  let data = elf_getdata_rawchunk(elf, Int64(ph.p_offset), Int(ph.p_filesz), ELF_T_NHDR) else { continue }
            if let id = buildID(in: data) { return id }
        }
        return nil
    }

    /// gelf_getnote walks notes with the alignment of their section (4 or 8).
    private func buildID(in data: UnsafeMutablePointer<Elf_Data>) -> [UInt8]? {
        guard let base = data.pointee.d_buf else { return nil }
        var offset = 0
        while true {
            var note = GElf_Nhdr()
            var nameOffset = 0, descOffset = 0
            let next = gelf_getnote(data, offset, &note, &nameOffset, &descOffset)
            if next == 0 { return nil }
            if note.n_type == BuildID.gnuNoteType, note.n_namesz == 4,
               memcmp(base + nameOffset, "GNU", 4) == 0 {
                return Array(UnsafeRawBufferPointer(start: base + descOffset, count: Int(note.n_descsz)))
            }
            offset = next
        }
    }

    /// The .gnu_debuglink section: the debug file's name and the CRC-32 of its contents.
    func debugLink() -> (name: String, crc: UInt32)? {
        guard let (section, _) = section(named: ".gnu_debuglink") else { return nil }
        let bytes = contents(of: section)
        guard let nul = bytes.firstIndex(of: 0), nul > 0 else { return nil }
        // The CRC follows the name's NUL, at the next 4-byte boundary, in file byte order.
        let crcAt = (nul + 4) & ~3
        guard crcAt + 4 <= bytes.count else { return nil }
        let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: crcAt, as: UInt32.self) }
        let crc = isLittleEndian ? UInt32(littleEndian: raw) : UInt32(bigEndian: raw)
        return (String(decoding: bytes[..<nul], as: UTF8.self), crc)
    }

    var isLittleEndian: Bool {
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { return true }
        return withUnsafeBytes(of: header.e_ident) { $0[Int(EI_DATA)] } == UInt8(ELFDATA2LSB)
    }
}
