import Foundation
import Synchronization

/// Latencies and errors per endpoint. A request counts in the steady window when it
/// started inside it; enrollment counts wherever it happens (it happens during the ramp).
final class Stats: Sendable {
    struct Endpoint: Codable {
        var micros: [UInt32] = []
        var errors: [String: Int] = [:]
        var requests = 0
    }
    private let state = Mutex<[String: Endpoint]>([:])
    /// 0 before the steady window, 1 inside, 2 after.
    let phase = Atomic<Int>(0)

    func record(_ endpoint: String, micros: UInt32, error: String?, always: Bool = false) {
        guard always || phase.load(ordering: .relaxed) == 1 else { return }
        state.withLock { s in Self.add(&s[endpoint, default: Endpoint()], micros: micros, error: error) }
    }

    /// One lookup of the endpoint per request, not three.
    private static func add(_ e: inout Endpoint, micros: UInt32, error: String?) {
        e.requests += 1
        if let error { e.errors[error, default: 0] += 1 } else { e.micros.append(micros) }
    }

    /// Everything recorded, for a worker's report.
    func raw() -> [String: Endpoint] { state.withLock { $0 } }

    /// A worker's figures added to these.
    func merge(_ other: [String: Endpoint]) {
        state.withLock { s in
            for (name, e) in other {
                s[name, default: Endpoint()].requests += e.requests
                s[name, default: Endpoint()].micros += e.micros
                s[name, default: Endpoint()].errors.merge(e.errors, uniquingKeysWith: +)
            }
        }
    }

    struct Summary: Encodable {
        var requests: Int
        var ok: Int
        var errors: Int
        var errorKinds: [String: Int]
        var p50Ms: Double
        var p90Ms: Double
        var p99Ms: Double
        var maxMs: Double
        var ratePerSecond: Double
        enum CodingKeys: String, CodingKey {
            case requests, ok, errors, errorKinds = "error_kinds", p50Ms = "p50_ms", p90Ms = "p90_ms", p99Ms = "p99_ms", maxMs = "max_ms"
            case ratePerSecond = "rate_per_s"
        }
    }

    func summaries(steadySeconds: Double) -> [String: Summary] {
        state.withLock { s in
            s.mapValues { e in
                let sorted = e.micros.sorted()
                func q(_ p: Double) -> Double {
                    guard !sorted.isEmpty else { return 0 }
                    let i = min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)
                    return (Double(sorted[max(0, i)]) / 1000 * 100).rounded() / 100
                }
                let errors = e.errors.values.reduce(0, +)
                return Summary(requests: e.requests, ok: sorted.count, errors: errors, errorKinds: e.errors,
                               p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), maxMs: q(1.0),
                               ratePerSecond: steadySeconds > 0 ? (Double(e.requests) / steadySeconds * 10).rounded() / 10 : 0)
            }
        }
    }
}

/// This process's CPU seconds (user + system), from /proc/self/stat.
func ownCPUSeconds() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return 0 }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // After the command: state is field 3, utime 14, stime 15 (1-based) → index 11, 12 here.
    guard fields.count > 12, let u = Double(fields[11]), let s = Double(fields[12]) else { return 0 }
    return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func ownRSSMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
        return (kb / 1024 * 10).rounded() / 10
    }
    return 0
}
