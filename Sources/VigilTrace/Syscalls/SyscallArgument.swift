import VigilSystem

/// One argument of a syscall, as its tracepoint format declares it, and how Vigil
/// captures and shows it. Derived from the C type, so a syscall never seen before
/// is traced as well as one that is.
public struct SyscallArgument: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An integer shown signed, from the low `bits` of the register.
        case signed(bits: Int)
        case unsigned(bits: Int)
        /// An address nobody reads (shown as a number).
        case pointer
        /// A NUL-terminated string in user memory (`const char *`).
        case string
        /// User bytes whose length is argument `sizeArgument` (input) or the return value (output).
        case buffer(sizeArgument: Int?)
        /// A struct sockaddr of length argument `sizeArgument`.
        case sockaddr(sizeArgument: Int)
    }

    public var name: String
    public var type: String
    public var kind: Kind

    public init(name: String, type: String, kind: Kind) {
        self.name = name
        self.type = type
        self.kind = kind
    }
}

extension SyscallArgument {
    /// Classifies the arguments of one syscall from its format's fields.
    static func classify(_ fields: [Tracefs.Field]) -> [SyscallArgument] {
        var out: [SyscallArgument] = []
        for (i, field) in fields.enumerated() {
            let next = i + 1 < fields.count ? fields[i + 1] : nil
            out.append(SyscallArgument(name: field.name, type: field.type, kind: kind(of: field, next: next, index: i)))
        }
        return out
    }

    static func kind(of field: Tracefs.Field, next: Tracefs.Field?, index: Int) -> Kind {
        let type = field.type.replacingOccurrences(of: " ", with: "")
        let nextIsLength = next.map { isLength($0) } ?? false
        if type.contains("*") {
            let pointees = type.filter { $0 == "*" }.count
            if pointees > 1 { return .pointer }  // argv-style arrays
            if type.contains("sockaddr") { return nextIsLength ? .sockaddr(sizeArgument: index + 1) : .pointer }
            if type.contains("open_how") { return nextIsLength ? .buffer(sizeArgument: index + 1) : .pointer }
            let isConst = type.hasPrefix("const")
            if type.hasSuffix("char*") || type.hasSuffix("void*") {
                if nextIsLength { return .buffer(sizeArgument: isConst ? index + 1 : nil) }
                return isConst && type.hasSuffix("char*") ? .string : .pointer
            }
            return .pointer
        }
        if unsignedTypes.contains(type) || type.hasPrefix("unsigned") {
            return .unsigned(bits: bits(type))
        }
        return .signed(bits: bits(type))
    }

    static let unsignedTypes: Set<String> = [
        "size_t", "umode_t", "uid_t", "gid_t", "u32", "u64", "u16", "__u32", "__u64", "dev_t", "aio_context_t",
        "cap_user_header_t", "cap_user_data_t", "qid_t", "key_t", "mqd_t",
    ]

    static func bits(_ type: String) -> Int {
        switch type {
        case "int", "unsignedint", "pid_t", "uid_t", "gid_t", "u32", "__u32", "key_serial_t", "clockid_t", "mqd_t",
             "key_t", "qid_t", "rwf_t", "timer_t":
            return 32
        case "umode_t", "u16", "unsignedshort", "short":
            return 16
        default:
            return 64
        }
    }

    /// A length that belongs to the pointer before it: an integer named like one.
    static func isLength(_ field: Tracefs.Field) -> Bool {
        guard !field.type.contains("*") else { return false }
        let names: Set<String> = ["count", "len", "size", "bufsiz", "nbytes", "addrlen", "usize", "length"]
        return names.contains(field.name)
    }

    /// The value of this argument from a raw 64-bit register, as shown when no capture replaces it.
    func integer(_ raw: UInt64) -> Int64 { Self.integer(raw, kind: kind) }

    static func integer(_ raw: UInt64, kind: Kind) -> Int64 {
        switch kind {
        case .signed(let bits):
            switch bits {
            case 32: return Int64(Int32(truncatingIfNeeded: raw))
            case 16: return Int64(Int16(truncatingIfNeeded: raw))
            default: return Int64(bitPattern: raw)
            }
        case .unsigned(let bits):
            switch bits {
            case 32: return Int64(UInt32(truncatingIfNeeded: raw))
            case 16: return Int64(UInt16(truncatingIfNeeded: raw))
            default: return Int64(bitPattern: raw)
            }
        default:
            return Int64(bitPattern: raw)
        }
    }
}
