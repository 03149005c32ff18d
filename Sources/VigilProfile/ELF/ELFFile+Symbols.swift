import CElf
import Glibc

extension ELFFile {
    /// Whether the file has a full symbol table (.symtab); stripped files keep only .dynsym.
    var hasSymtab: Bool { sections().contains { $0.header.sh_type == UInt32(SHT_SYMTAB) } }

    /// Function symbols (STT_FUNC, STT_GNU_IFUNC) defined in this file, from
    /// .symtab and .dynsym. With `externalNames` the names stay in the file (the
    /// table keeps a descriptor and reads a name when it is looked up); the builder
    /// must then be built while this file is open.
    func functionSymbols(into out: inout SymbolTable.Builder, externalNames: Bool = false) {
        var nameFile: Int?
        for (section, header) in sections() where header.sh_type == UInt32(SHT_SYMTAB) || header.sh_type == UInt32(SHT_DYNSYM) {
            guard header.sh_entsize > 0, let data = elf_getdata(section, nil) else { continue }
            // Names stay in the file only where the string table is stored as is. They are
            // then not even read here (a compiler's string table is 26 MB of pages to touch):
            // the builder reads one only to choose between aliases at one address.
            var strings = GElf_Shdr()
            var stringBase: UnsafeMutableRawPointer?
            if externalNames, descriptor >= 0, let section = elf_getscn(elf, Int(header.sh_link)), gelf_getshdr(section, &strings) != nil,
               strings.sh_type == UInt32(SHT_STRTAB), strings.sh_flags & UInt64(SHF_COMPRESSED) == 0,
               let data = elf_getdata(section, nil), data.pointee.d_size == Int(strings.sh_size) {
                stringBase = data.pointee.d_buf
            }
            if stringBase != nil && nameFile == nil { nameFile = out.addNameFile(fcntl(descriptor, F_DUPFD_CLOEXEC, 0)) }
            let count = Int(header.sh_size / header.sh_entsize)
            for i in 0..<count {
                var sym = GElf_Sym()
                guard gelf_getsym(data, Int32(i), &sym) != nil else { continue }
                let type = vigil_elf_st_type(sym.st_info)
                guard type == UInt8(STT_FUNC) || type == UInt8(STT_GNU_IFUNC),
                      sym.st_shndx != UInt16(SHN_UNDEF), sym.st_value != 0, sym.st_name != 0 else { continue }
                let rank = rank(binding: vigil_elf_st_bind(sym.st_info))
                if let base = stringBase, let nameFile {
                    guard Int(sym.st_name) < Int(strings.sh_size) else { continue }
                    out.add(address: sym.st_value, size: sym.st_size, rank: rank, file: nameFile,
                            fileOffset: strings.sh_offset + UInt64(sym.st_name), name: UnsafeRawPointer(base + Int(sym.st_name)))
                } else {
                    guard let cName = elf_strptr(elf, Int(header.sh_link), Int(sym.st_name)) else { continue }
                    let length = strlen(cName)
                    guard length > 0 else { continue }
                    out.add(address: sym.st_value, size: sym.st_size, rank: rank, name: UnsafeRawBufferPointer(start: cName, count: length))
                }
            }
        }
        // `NAME@plt` for each PLT stub, as objdump names them: a sample in a stub would
        // otherwise take the name of whatever symbol precedes the PLT (`_init`).
        for stub in PLTSlots(self).stubs { out.add(address: stub.address, size: 16, rank: 3, name: (stub.name + "@plt").utf8) }
    }

    /// The function symbols as a table.
    func functionSymbolTable(externalNames: Bool = false) -> SymbolTable {
        var builder = SymbolTable.Builder()
        functionSymbols(into: &builder, externalNames: externalNames)
        return builder.build()
    }

    /// Which alias names a function: the exported name reads best (`malloc`, not `__libc_malloc`).
    private func rank(binding: UInt8) -> Int {
        switch Int32(binding) {
        case STB_GLOBAL: return 0
        case STB_WEAK: return 1
        default: return 2
        }
    }
}
