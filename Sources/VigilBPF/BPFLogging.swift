import CVigilBPF
import Glibc
import Logging
import Synchronization

/// Routes libbpf's messages into swift-log, and keeps the last lines of the
/// current load so a verifier rejection can be shown with its reason.
public enum BPFLogging {
    static let state = Mutex<(logger: Logger?, recent: [String])>((nil, []))
    /// Where libbpf's messages are formatted (under `state`'s lock): a verifier log is up
    /// to 1 MiB here. Pages are touched only as far as a message reaches.
    nonisolated(unsafe) static let messageBuffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: 1 << 20)

    /// Install once; later calls replace the logger.
    public static func install(_ logger: Logger) {
        state.withLock { $0.logger = logger }
        // libbpf hands over a format and a va_list; format it here with vsnprintf. A
        // rejected program's verifier log comes as one message of up to megabytes, with
        // the reason at its end: it is split into lines, and the last ones kept.
        _ = libbpf_set_print { level, format, arguments in
            guard let format, let arguments else { return 0 }
            BPFLogging.state.withLock { s in
                let buffer = BPFLogging.messageBuffer
                let n = Int(vsnprintf(buffer.baseAddress, buffer.count, format, arguments))
                let text = String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: min(max(n, 0), buffer.count - 1)),
                                  as: UTF8.self)
                for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                    s.recent.append(String(line))
                    // One level down: libbpf's warnings (a failed RLIMIT_MEMLOCK bump, say) are
                    // noise to users, and a failed load already carries these lines in its error.
                    let swiftLevel: Logger.Level = level == LIBBPF_WARN ? .info : .debug
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
