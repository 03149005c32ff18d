/// GNU build IDs: the NT_GNU_BUILD_ID note ("GNU", type 3) that linkers write
/// into .note.gnu.build-id, and that the kernel exposes in /sys/kernel/notes.
public enum BuildID {
    static let gnuNoteType: UInt32 = 3

    /// The build ID in a blob of ELF notes (each: namesz, descsz, type as native
    /// 32-bit words, then name and descriptor padded to 4 bytes), or nil.
    public static func find(inNotes bytes: [UInt8]) -> [UInt8]? {
        func word(_ at: Int) -> Int {
            bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        }
        func padded(_ n: Int) -> Int { (n + 3) & ~3 }
        var at = 0
        while at + 12 <= bytes.count {
            let nameSize = word(at), descSize = word(at + 4), type = UInt32(word(at + 8))
            let nameStart = at + 12
            let descStart = nameStart + padded(nameSize)
            guard descStart + descSize <= bytes.count else { return nil }
            // The name is "GNU" plus its terminating NUL.
            if type == gnuNoteType, nameSize == 4, bytes[nameStart..<nameStart + 3].elementsEqual("GNU".utf8) {
                return Array(bytes[descStart..<descStart + descSize])
            }
            at = descStart + padded(descSize)
        }
        return nil
    }
}
