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
        // libbpf hands over a format and a va_list; format it here with vsnprintf.
        _ = libbpf_set_print { level, format, arguments in
            guard let format, let arguments else { return 0 }
            var buffer = [CChar](repeating: 0, count: 2048)
            _ = vsnprintf(&buffer, buffer.count, format, arguments)
            let line = String(cString: buffer).trimmingSuffixNewline()
            BPFLogging.state.withLock { s in
                s.recent.append(line)
                if s.recent.count > 200 { s.recent.removeFirst(s.recent.count - 200) }
                // One level down: libbpf's warnings (a failed RLIMIT_MEMLOCK bump, say) are
                // noise to users, and a failed load already carries these lines in its error.
                let swiftLevel: Logger.Level = level == LIBBPF_WARN ? .info : .debug
                s.logger?.log(level: swiftLevel, "\(line)", metadata: ["source": "libbpf"])
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

extension String {
    func trimmingSuffixNewline() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
