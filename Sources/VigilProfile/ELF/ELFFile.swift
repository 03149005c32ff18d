import CElf
import Glibc
import VigilSystem

/// An ELF file opened with elfutils libelf (elf_begin over an mmap of the file).
/// Owns the descriptor and the `Elf *`; both are released in deinit.
final class ELFFile {
    let path: String
    let size: UInt64
    /// -1 for an in-memory image.
    private let fd: Int32
    let elf: OpaquePointer
    /// The bytes of an in-memory image: libelf reads them in place, so they live as long as `elf`.
    private let image: UnsafeMutableRawBufferPointer?

    /// libelf refuses to work until told which ELF version the caller speaks.
    private static let versionSet: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    convenience init(path: String) throws(ProfileError) {
        let fd: Int32
        do { fd = try retryingEINTR("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) } }
        catch { throw .system(error) }
        try self.init(descriptor: fd, path: path)
    }

    /// The file open on a copy of `descriptor` (which stays the caller's).
    convenience init(duplicating descriptor: Int32, path: String) throws(ProfileError) {
        let fd = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw .system(SystemError("dup", path: path)) }
        try self.init(descriptor: fd, path: path)
    }

    /// Takes ownership of `fd`, closed on failure too.
    private init(descriptor fd: Int32, path: String) throws(ProfileError) {
        guard ELFFile.versionSet else {
            close(fd)
            throw .notELF(path: path, reason: "libelf version mismatch")
        }
        self.path = path
        var st = stat()
        fstat(fd, &st)
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
            close(fd)
            throw .notELF(path: path, reason: String(cString: elf_errmsg(-1)))
        }
        guard elf_kind(elf) == ELF_K_ELF else {
            elf_end(elf)
            close(fd)
            throw .notELF(path: path, reason: "no ELF header")
        }
        self.fd = fd
        self.elf = elf
        self.size = UInt64(st.st_size)
        image = nil
    }

    /// An ELF image in memory (the vDSO), copied first (elf_memory).
    init(copying bytes: UnsafeRawBufferPointer, name: String) throws(ProfileError) {
        guard ELFFile.versionSet else { throw .notELF(path: name, reason: "libelf version mismatch") }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        copy.copyMemory(from: bytes)
        guard let elf = elf_memory(copy.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count),
              elf_kind(elf) == ELF_K_ELF else {
            copy.deallocate()
            throw .notELF(path: name, reason: "no ELF header")
        }
        path = name
        size = UInt64(bytes.count)
        fd = -1
        self.elf = elf
        image = copy
    }

    deinit {
        elf_end(elf)
        if fd >= 0 { close(fd) }
        image?.deallocate()
    }

    /// The bytes of an in-memory image.
    var imageBytes: UnsafeRawBufferPointer? { image.map { UnsafeRawBufferPointer($0) } }

    /// The open descriptor, for hashing the file without reopening it.
    var descriptor: Int32 { fd }

    /// Every section with its header.
    func sections() -> [(section: OpaquePointer, header: GElf_Shdr)] {
        var out: [(OpaquePointer, GElf_Shdr)] = []
        var scn = elf_nextscn(elf, nil)
        while let s = scn {
            var header = GElf_Shdr()
            if gelf_getshdr(s, &header) != nil { out.append((s, header)) }
            scn = elf_nextscn(elf, s)
        }
        return out
    }

    /// The section called `name` (names come from the section header string table).
    func section(named name: String) -> (section: OpaquePointer, header: GElf_Shdr)? {
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return nil }
        return sections().first { entry in
            guard let p = elf_strptr(elf, shstrndx, Int(entry.header.sh_name)) else { return false }
            return strcmp(p, name) == 0
        }
    }

    /// A section's contents (decompressed by libelf when SHF_COMPRESSED); empty for NOBITS.
    func contents(of section: OpaquePointer) -> [UInt8] {
        withContents(of: section) { Array($0) }
    }

    /// A section's contents in place, without a copy (valid only inside `body`).
    func withContents<R>(of section: OpaquePointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard let data = elf_getdata(section, nil), let buffer = data.pointee.d_buf else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return body(UnsafeRawBufferPointer(start: buffer, count: data.pointee.d_size))
    }
}
