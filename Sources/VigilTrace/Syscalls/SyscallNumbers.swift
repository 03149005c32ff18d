/// Syscall numbers by the names of the kernel's syscall tracepoints: what the
/// sensors' raw sys_enter/sys_exit programs look up. The tracepoint formats give
/// each syscall's arguments but not its number; the numbers are the kernel's
/// stable ABI, generated per architecture by scripts/gen-syscall-numbers.
enum SyscallNumbers {
    static func number(_ name: String) -> UInt32? {
        #if arch(x86_64)
        return table[name]
        #else
        return nil
        #endif
    }
}
