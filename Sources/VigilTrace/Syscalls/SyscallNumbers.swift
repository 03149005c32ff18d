/// Syscall numbers by the names of the kernel's syscall tracepoints: the index of
/// each syscall's settings in the kernel's `syscalls` array. The tracepoint formats give
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
