/// Syscall numbers by the names of the kernel's syscall tracepoints: the index of
/// each syscall's settings in the kernel's `syscalls` array. The tracepoint formats give
/// each syscall's arguments but not its number; the numbers are the kernel's
/// stable ABI, generated per architecture by scripts/gen-syscall-numbers.
public enum SyscallNumbers {
    static func number(_ name: String) -> UInt32? {
        #if arch(x86_64)
        return table[name]
        #else
        return nil
        #endif
    }

    /// The syscall of `number` on this architecture, by its usual name: where the kernel
    /// has two tracepoint names for one number, the one without "new" ("stat", not "newstat").
    public static func name(_ number: UInt32) -> String? { names[number] }

    private static let names: [UInt32: String] = {
        #if arch(x86_64)
        var out: [UInt32: String] = [:]
        for (name, n) in table.sorted(by: { $0.key < $1.key }) {
            if let have = out[n], !have.hasPrefix("new") || name.hasPrefix("new") { continue }
            out[n] = name
        }
        return out
        #else
        return [:]
        #endif
    }()
}
