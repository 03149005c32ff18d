import CElf
import Glibc

extension Executable {
    /// The vDSO the kernel maps into every process (clock_gettime, gettimeofday...),
    /// read from this process's own copy: it is one image per kernel and
    /// architecture, and it is not a file anyone can open. nil if it is not mapped.
    /// `size` is the mapping's length, to tell another architecture's vDSO apart.
    public static func vdso() -> (executable: Executable, size: UInt64)? {
        guard let (file, size) = ELFFile.ownVDSO(), let image = file.imageBytes else { return nil }
        return (load(file, fileID: .ofBytes(image), path: "[vdso]", debugFiles: DebugFileLocator(roots: [])), size)
    }
}

extension ELFFile {
    /// A copy of this process's vDSO as an ELF file, and its mapping's length.
    static func ownVDSO() -> (file: ELFFile, size: UInt64)? {
        let base = getauxval(UInt(AT_SYSINFO_EHDR))
        guard base != 0, let maps = try? ProcessMaps.read(pid: getpid()),
              let mapping = maps.first(where: { $0.path == "[vdso]" && $0.start == UInt64(base) }),
              let pointer = UnsafeRawPointer(bitPattern: UInt(base)) else { return nil }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: Int(mapping.end - mapping.start))
        guard let file = try? ELFFile(copying: bytes, name: "[vdso]") else { return nil }
        return (file, UInt64(bytes.count))
    }
}
