import CLinux
import Glibc

/// A seccomp filter (classic BPF, seccomp(2)) that makes chosen system calls fail
/// with an errno before they do anything, and allows every other call. Installed in a
/// child before its exec (`ChildProcess.spawnStopped(_:seccomp:)`), it binds the
/// command and everything it starts: filters are inherited and cannot be removed.
public struct SeccompProgram: Sendable {
    /// A call to refuse: its number on this architecture and the errno it returns.
    public struct Denial: Sendable, Equatable {
        public var number: Int32
        public var errno: Int32
        public init(number: Int32, errno: Int32) {
            self.number = number
            self.errno = errno
        }
    }

    let instructions: [sock_filter]

    #if arch(x86_64)
    /// AUDIT_ARCH_X86_64 (linux/audit.h: EM_X86_64 | 64-bit | little endian).
    static let architecture: UInt32 = 0xC000_003E
    /// x32 system calls are x86_64 calls with this bit set.
    static let x32Bit: UInt32 = 0x4000_0000
    #elseif arch(arm64)
    static let architecture: UInt32 = 0xC000_00B7
    static let x32Bit: UInt32 = 0
    #endif

    /// A call made through another ABI (32-bit `int 0x80`, x32) has other numbers and
    /// would slip past the rules, so those fail with EPERM as a whole.
    public init(denying denials: [Denial]) {
        let errnoAction = UInt32(SECCOMP_RET_ERRNO)
        let deny = { (code: Int32) in Self.statement(UInt16(BPF_RET | BPF_K), UInt32(bitPattern: code) & UInt32(SECCOMP_RET_DATA) | errnoAction) }
        var program: [sock_filter] = [
            Self.statement(UInt16(BPF_LD | BPF_W | BPF_ABS), 4),                   // seccomp_data.arch
            Self.jump(UInt16(BPF_JMP | BPF_JEQ | BPF_K), Self.architecture, 1, 0),
            deny(EPERM),
            Self.statement(UInt16(BPF_LD | BPF_W | BPF_ABS), 0),                   // seccomp_data.nr
        ]
        if Self.x32Bit != 0 {
            program += [Self.jump(UInt16(BPF_JMP | BPF_JGE | BPF_K), Self.x32Bit, 0, 1), deny(EPERM)]
        }
        for denial in denials {
            program += [Self.jump(UInt16(BPF_JMP | BPF_JEQ | BPF_K), UInt32(bitPattern: denial.number), 0, 1), deny(denial.errno)]
        }
        program.append(Self.statement(UInt16(BPF_RET | BPF_K), UInt32(SECCOMP_RET_ALLOW)))
        instructions = program
    }

    static func statement(_ code: UInt16, _ k: UInt32) -> sock_filter { sock_filter(code: code, jt: 0, jf: 0, k: k) }
    static func jump(_ code: UInt16, _ k: UInt32, _ jt: UInt8, _ jf: UInt8) -> sock_filter { sock_filter(code: code, jt: jt, jf: jf, k: k) }

    /// The program as seccomp(2) takes it, valid during `body`.
    func withProgram<R>(_ body: (UnsafePointer<sock_fprog>) -> R) -> R {
        var copy = instructions
        return copy.withUnsafeMutableBufferPointer { buffer in
            var program = sock_fprog(len: UInt16(buffer.count), filter: buffer.baseAddress)
            return withUnsafePointer(to: &program) { body($0) }
        }
    }
}
