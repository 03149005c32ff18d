import Glibc

/// What went wrong with a BPF operation. `notSupported` names the kernel feature
/// that is missing, so callers (and `vigil doctor`) can say why something cannot work here.
public enum BPFError: Error, CustomStringConvertible, Sendable, Equatable {
    case notSupported(feature: String, reason: String)
    case permissionDenied(operation: String, errno: Int32)
    case failed(operation: String, errno: Int32, detail: String)

    public var description: String {
        switch self {
        case .notSupported(let feature, let reason):
            return "not supported by this kernel: \(feature) (\(reason))"
        case .permissionDenied(let operation, let errno):
            return "\(operation): \(String(cString: strerror(errno))); run as root (CAP_BPF and CAP_PERFMON are needed)"
        case .failed(let operation, let errno, let detail):
            let reason = String(cString: strerror(errno))
            return detail.isEmpty ? "\(operation): \(reason)" : "\(operation): \(reason)\n\(detail)"
        }
    }

    /// Map a libbpf failure (negative errno, or errno after a NULL return) to an error.
    public static func from(_ operation: String, code: Int32, detail: String = "", feature: String? = nil) -> BPFError {
        let e = abs(code)
        // A verifier rejection says why in the last lines of its log: keep them, so a
        // report from a kernel Vigil was not tested on carries the reason. The verifier
        // refuses with EACCES too, which is then not a matter of privileges.
        let said = verifierReason(detail)
        if e == EPERM || e == EACCES {
            if !said.isEmpty { return .failed(operation: operation, errno: e, detail: "the verifier said: \(said)") }
            return .permissionDenied(operation: operation, errno: e)
        }
        if let feature, e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP || e == ENOENT {
            return .notSupported(feature: feature, reason: "\(operation): \(String(cString: strerror(e)))" + (said.isEmpty ? "" : "; the verifier said: \(said)"))
        }
        return .failed(operation: operation, errno: e, detail: detail)
    }

    /// The last lines of a verifier log inside libbpf's output (its statistics line
    /// and libbpf's own lines left out), joined with " / "; empty when there is none.
    static func verifierReason(_ libbpfOutput: String) -> String {
        let lines = libbpfOutput.split(separator: "\n").map(String.init)
        guard let end = lines.lastIndex(where: { $0.contains("-- END PROG LOAD LOG --") }) else { return "" }
        let log = lines[..<end].reversed().prefix { !$0.contains("-- BEGIN PROG LOAD LOG --") }.reversed()
        let reason = log.filter { !$0.hasPrefix("processed ") && !$0.hasPrefix("verification time") && !$0.hasPrefix("stack depth") }
        return reason.suffix(2).map { $0.drop { $0 == " " } }.joined(separator: " / ")
    }
}
