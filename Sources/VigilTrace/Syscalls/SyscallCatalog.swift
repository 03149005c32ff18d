import CVigilBPF
import VigilSystem

/// A syscall Vigil can trace: its name, its number (what BPF records carry) and
/// its arguments.
public struct SyscallDescription: Sendable, Equatable {
    public var name: String
    public var number: UInt32
    public var arguments: [SyscallArgument]

    public init(name: String, number: UInt32, arguments: [SyscallArgument]) {
        self.name = name
        self.number = number
        self.arguments = arguments
    }

    public func argumentIndex(_ name: String) -> Int? { arguments.firstIndex { $0.name == name } }
}

/// What went wrong setting up a trace, said so that the user can fix it.
public enum TraceSetupError: Error, CustomStringConvertible, Sendable {
    case unknownSyscall(String, suggestion: String?)
    case tracefs(SystemError)
    case invalid(String)

    public var description: String {
        switch self {
        case .unknownSyscall(let name, let suggestion):
            return "no syscall named '\(name)' in this kernel's tracepoints (/sys/kernel/tracing/events/syscalls)"
                + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .tracefs(let error):
            return "cannot read syscall tracepoint formats: \(error); run as root so Vigil can mount tracefs"
        case .invalid(let text):
            return text
        }
    }
}

/// Syscall descriptions read from the kernel's own tracepoint formats
/// (events/syscalls/sys_enter_NAME/format), as TraceLeft did: no argument layout
/// is compiled into Vigil, only each syscall's number (SyscallNumbers).
public final class SyscallCatalog {
    private var byName: [String: SyscallDescription] = [:]
    private var byNumber: [UInt32: SyscallDescription] = [:]

    public init() {}

    /// The description of `name`, read once.
    public func describe(_ name: String) throws(TraceSetupError) -> SyscallDescription {
        if let known = byName[name] { return known }
        let format: Tracefs.Format?
        do { format = try Tracefs.format(category: "syscalls", name: "sys_enter_\(name)") } catch { throw .tracefs(error) }
        guard let format else { throw .unknownSyscall(name, suggestion: suggestion(for: name)) }
        guard let number = SyscallNumbers.number(name) else {
            throw .invalid("this kernel has the syscall '\(name)' but Vigil does not know its number on this architecture; regenerate Sources/VigilTrace/Syscalls/SyscallNumbers+x86_64.swift with scripts/gen-syscall-numbers")
        }
        let fields = format.fields.filter { $0.name != "__syscall_nr" }
        let description = SyscallDescription(name: name, number: number, arguments: SyscallArgument.classify(fields))
        byName[name] = description
        byNumber[number] = description
        return description
    }

    /// Adds a description known otherwise (tests and benchmarks, formats parsed elsewhere).
    public func register(_ description: SyscallDescription) {
        byName[description.name] = description
        byNumber[description.number] = description
    }

    /// Whether this kernel has the syscall (some architectures lack open, creat, …).
    public func exists(_ name: String) -> Bool { (try? describe(name)) != nil }

    /// The syscall with this number, once described.
    public subscript(number number: UInt32) -> SyscallDescription? { byNumber[number] }

    /// The closest syscall name, for "did you mean".
    func suggestion(for name: String) -> String? {
        guard let events = try? Tracefs.events(category: "syscalls") else { return nil }
        return EditDistance.closest(to: name, among: events.filter { $0.hasPrefix("sys_enter_") }.map { String($0.dropFirst(10)) })
    }
}
