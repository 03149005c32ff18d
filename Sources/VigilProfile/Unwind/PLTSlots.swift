import CElf
import Glibc

/// Which function each PLT entry of a binary calls: the GOT slot its `jmp *slot(%rip)`
/// reads, matched with the .rela.plt relocation for that slot and its symbol name.
/// Lets the unwinder check a call made through the PLT into another library.
struct PLTSlots {
    /// GOT slot address → the name of the function it is bound to.
    private(set) var names: [UInt64: String] = [:]
    /// Address ranges of .plt and .plt.sec.
    private(set) var ranges: [Range<UInt64>] = []
    /// The function of each .rela.plt entry, in order (nil where unnamed).
    private var entryNames: [String?] = []
    private var plt: UInt64?, pltSec: UInt64?

    /// Roughly the bytes held, for the unwinder's cache limit.
    var byteCount: Int { names.reduce(0) { $0 + 48 + $1.value.utf8.count } + entryNames.count * 16 }

    /// No PLT (a file that could not be read again).
    init() {}

    init(_ elf: ELFFile) {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf.elf, &shstrndx) == 0 else { return }
        for (section, header) in elf.sections() {
            guard let cName = elf_strptr(elf.elf, shstrndx, Int(header.sh_name)) else { continue }
            let name = String(cString: cName)
            if name == ".plt" || name == ".plt.sec" {
                ranges.append(header.sh_addr..<(header.sh_addr + header.sh_size))
                if name == ".plt" { plt = header.sh_addr } else { pltSec = header.sh_addr }
            }
            guard header.sh_type == UInt32(SHT_RELA), name == ".rela.plt", header.sh_entsize > 0,
                  let data = elf_getdata(section, nil), let symbols = elf_getscn(elf.elf, Int(header.sh_link)) else { continue }
            var symbolHeader = GElf_Shdr()
            guard gelf_getshdr(symbols, &symbolHeader) != nil, let symbolData = elf_getdata(symbols, nil) else { continue }
            for i in 0..<Int(header.sh_size / header.sh_entsize) {
                var rela = GElf_Rela()
                var sym = GElf_Sym()
                guard gelf_getrela(data, Int32(i), &rela) != nil,
                      gelf_getsym(symbolData, Int32(vigil_elf_r_sym(UInt(rela.r_info))), &sym) != nil,
                      let symbolName = elf_strptr(elf.elf, Int(symbolHeader.sh_link), Int(sym.st_name)) else { entryNames.append(nil); continue }
                names[rela.r_offset] = String(cString: symbolName)
                entryNames.append(names[rela.r_offset])
            }
        }
    }

    func contains(_ address: UInt64) -> Bool { ranges.contains { $0.contains(address) } }

    /// Each stub's address and function: entry i of .rela.plt is stub i of .plt.sec when
    /// there is one, else stub i + 1 of .plt (stub 0 calls the lazy resolver); 16 bytes
    /// each on x86-64.
    var stubs: [(address: UInt64, name: String)] {
        guard let first = pltSec ?? plt.map({ $0 + 16 }) else { return [] }
        return entryNames.enumerated().compactMap { i, name in name.map { (first + UInt64(i) * 16, $0) } }
    }
}
