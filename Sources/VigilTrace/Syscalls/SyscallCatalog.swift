import CVigilBPF
import VigilSystem

/// A syscall Vigil can trace: its name, the id of its sys_enter tracepoint (what
/// BPF records carry) and its arguments.
public struct SyscallDescription: Sendable, Equatable {
    public var name: String
    public var enterID: UInt32
    public var arguments: [SyscallArgument]

    public init(name: String, enterID: UInt32, arguments: [SyscallArgument]) {
        self.name = name
        self.enterID = enterID
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
/// (events/syscalls/sys_enter_NAME/format), as TraceLeft did: no table of
/// syscalls is compiled into Vigil.
public final class SyscallCatalog {
    private var byName: [String: SyscallDescription] = [:]
    private var byID: [UInt32: SyscallDescription] = [:]

    public init() {}

    /// The description of `name`, read once.
    public func describe(_ name: String) throws(TraceSetupError) -> SyscallDescription {
        if let known = byName[name] { return known }
        let format: Tracefs.Format?
        do { format = try Tracefs.format(category: "syscalls", name: "sys_enter_\(name)") } catch { throw .tracefs(error) }
        guard let format else { throw .unknownSyscall(name, suggestion: suggestion(for: name)) }
        let fields = format.fields.filter { $0.name != "__syscall_nr" }
        let description = SyscallDescription(name: name, enterID: format.id, arguments: SyscallArgument.classify(fields))
        byName[name] = description
        byID[format.id] = description
        return description
    }

    /// Adds a description known otherwise (tests and benchmarks, formats parsed elsewhere).
    public func register(_ description: SyscallDescription) {
        byName[description.name] = description
        byID[description.enterID] = description
    }

    /// Whether this kernel has the syscall (some architectures lack open, creat, …).
    public func exists(_ name: String) -> Bool { (try? describe(name)) != nil }

    /// The syscall whose sys_enter tracepoint has this id, once described.
    public subscript(id: UInt32) -> SyscallDescription? { byID[id] }

    /// The closest syscall name, for "did you mean".
    func suggestion(for name: String) -> String? {
        guard let events = try? Tracefs.events(category: "syscalls") else { return nil }
        return EditDistance.closest(to: name, among: events.filter { $0.hasPrefix("sys_enter_") }.map { String($0.dropFirst(10)) })
    }
}
