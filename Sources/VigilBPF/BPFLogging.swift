import CVigilBPF
import Glibc
import Logging
import Synchronization

/// Routes libbpf's messages into swift-log, and keeps the last lines of the
/// current load so a verifier rejection can be shown with its reason.
public enum BPFLogging {
    static let state = Mutex<(logger: Logger?, recent: [String])>((nil, []))

    /// Install once; later calls replace the logger.
    public static func install(_ logger: Logger) {
        state.withLock { $0.logger = logger }
        // libbpf hands over a format and a va_list; format it here, whole. A rejected
        // program's verifier log comes as one message of up to megabytes, with the
        // reason at its end: it is split into lines, and the last ones kept.
        _ = libbpf_set_print { level, format, arguments in
            guard let format, let arguments, let message = vigil_format_message(format, arguments) else { return 0 }
            let text = String(cString: message)
            free(message)
            // One level down: libbpf's warnings (a failed RLIMIT_MEMLOCK bump, say) are
            // noise to users, and a failed load already carries these lines in its error.
            let swiftLevel: Logger.Level = level == LIBBPF_WARN ? .info : .debug
            BPFLogging.state.withLock { s in
                for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                    s.recent.append(String(line))
                    s.logger?.log(level: swiftLevel, "\(line)", metadata: ["source": "libbpf"])
                }
                if s.recent.count > 200 { s.recent.removeFirst(s.recent.count - 200) }
            }
            return 0
        }
    }

    /// libbpf's lines since the last call (the verifier's explanation after a failed load).
    static func drain() -> String {
        state.withLock { s in
            defer { s.recent = [] }
            return s.recent.suffix(40).joined(separator: "\n")
        }
    }
}
