import CElf
import Glibc

extension ELFFile {
    /// Whether the file has a full symbol table (.symtab); stripped files keep only .dynsym.
    var hasSymtab: Bool { sections().contains { $0.header.sh_type == UInt32(SHT_SYMTAB) } }

    /// Function symbols (STT_FUNC, STT_GNU_IFUNC) defined in this file, from
    /// .symtab and .dynsym.
    func functionSymbols(into out: inout SymbolTable.Builder) {
        for (section, header) in sections() where header.sh_type == UInt32(SHT_SYMTAB) || header.sh_type == UInt32(SHT_DYNSYM) {
            guard header.sh_entsize > 0, let data = elf_getdata(section, nil) else { continue }
            let count = Int(header.sh_size / header.sh_entsize)
            for i in 0..<count {
                var sym = GElf_Sym()
                guard gelf_getsym(data, Int32(i), &sym) != nil else { continue }
                let type = vigil_elf_st_type(sym.st_info)
                guard type == UInt8(STT_FUNC) || type == UInt8(STT_GNU_IFUNC),
                      sym.st_shndx != UInt16(SHN_UNDEF), sym.st_value != 0,
                      let cName = elf_strptr(elf, Int(header.sh_link), Int(sym.st_name)) else { continue }
                let length = strlen(cName)
                guard length > 0 else { continue }
                let name = UnsafeRawBufferPointer(start: cName, count: length)
                out.add(address: sym.st_value, size: sym.st_size, rank: rank(binding: vigil_elf_st_bind(sym.st_info)), name: name)
            }
        }
        // `NAME@plt` for each PLT stub, as objdump names them: a sample in a stub would
        // otherwise take the name of whatever symbol precedes the PLT (`_init`).
        for stub in PLTSlots(self).stubs { out.add(address: stub.address, size: 16, rank: 3, name: (stub.name + "@plt").utf8) }
    }

    /// The function symbols as a table.
    func functionSymbolTable() -> SymbolTable {
        var builder = SymbolTable.Builder()
        functionSymbols(into: &builder)
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
