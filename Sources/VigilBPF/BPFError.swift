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
        if e == EPERM || e == EACCES { return .permissionDenied(operation: operation, errno: e) }
        if let feature, e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP || e == ENOENT {
            return .notSupported(feature: feature, reason: "\(operation): \(String(cString: strerror(e)))")
        }
        return .failed(operation: operation, errno: e, detail: detail)
    }
}
