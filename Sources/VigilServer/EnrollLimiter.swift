import Foundation
import NIOCore
import Synchronization

/// Enrollment attempts per source: a token bucket for each address (an IPv6 source by
/// its /64, which one machine can hop across). A refused secret costs `failureCost`
/// tokens, so guessing the secret goes ten times slower than enrolling; hosts that
/// already hold a node key are never limited. A source over its budget gets 429 with
/// the seconds to wait, which osquery's and Vigil's agents honour by retrying later.
final class EnrollLimiter: Sendable {
    static let failureCost = 10.0
    /// Sources remembered at most; past it, the fullest buckets (idle sources) are forgotten.
    static let maxSources = 100_000

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let rate: EnrollRate
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: EnrollRate) { self.rate = rate }

    /// The source's key: an IPv4 address, an IPv6 /64, or a unix socket's path.
    static func source(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        switch address {
        case .v4: return address.ipAddress ?? "unknown"
        case .v6(let a):
            var addr = a.address.sin6_addr
            let bytes = withUnsafeBytes(of: &addr) { Array($0.prefix(8)) }
            // An IPv4-mapped address is that IPv4 address.
            if let ip = address.ipAddress, ip.hasPrefix("::ffff:"), ip.contains(".") { return String(ip.dropFirst(7)) }
            return bytes.map { String(format: "%02x", $0) }.joined() + "::/64"
        case .unixDomainSocket: return "unix"
        }
    }

    /// Takes `cost` tokens from `source`'s bucket: nil when admitted, else the seconds
    /// until that many tokens are back.
    func admit(_ source: String, cost: Double = 1, now: Double = Date().timeIntervalSince1970) -> Int? {
        guard !rate.isOff else { return nil }
        return buckets.withLock { buckets in
            var b = buckets[source] ?? Bucket(tokens: rate.burst, updated: now)
            b.tokens = min(rate.burst, b.tokens + max(0, now - b.updated) * rate.perSecond)
            b.updated = now
            defer {
                buckets[source] = b
                if buckets.count > Self.maxSources { Self.forgetIdle(&buckets, rate: rate, now: now) }
            }
            guard b.tokens >= cost else { return Int(((cost - b.tokens) / rate.perSecond).rounded(.up)) }
            b.tokens -= cost
            return nil
        }
    }

    /// Charges a refused secret's extra cost (the attempt itself was admitted already).
    func chargeFailure(_ source: String, now: Double = Date().timeIntervalSince1970) {
        guard !rate.isOff else { return }
        buckets.withLock { buckets in
            guard var b = buckets[source] else { return }
            b.tokens -= Self.failureCost - 1   // may go below zero: the source waits longer
            b.updated = now
            buckets[source] = b
        }
    }

    /// Drops the sources whose buckets have refilled (they are as good as new), then, if
    /// that is not enough, half of the rest, fullest first.
    private static func forgetIdle(_ buckets: inout [String: Bucket], rate: EnrollRate, now: Double) {
        buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * rate.perSecond < rate.burst }
        guard buckets.count > maxSources / 2 else { return }
        let keep = buckets.sorted { $0.value.tokens < $1.value.tokens }.prefix(maxSources / 2)
        buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}

/// How fast one source may enroll (`vigil server --enroll-rate`).
public struct EnrollRate: Sendable, Equatable {
    public var perSecond: Double
    public var burst: Double

    /// The default: 20 a second, 200 at once (a whole rack behind one NAT enrolls in seconds).
    public static let standard = EnrollRate(perSecond: 20, burst: 200)

    /// `PER_SECOND[:BURST]`; 0 turns the limit off. The burst defaults to ten seconds' worth.
    public init(_ text: String) throws(EnrollRateError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, let rate = Double(parts[0]), rate >= 0, rate.isFinite else { throw EnrollRateError(text) }
        perSecond = rate
        if parts.count == 2 {
            guard let b = Double(parts[1]), b >= 1, b.isFinite else { throw EnrollRateError(text) }
            burst = b
        } else {
            burst = max(1, rate * 10)
        }
    }

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    public var isOff: Bool { perSecond == 0 }
}

public struct EnrollRateError: Error, CustomStringConvertible {
    public let text: String
    init(_ text: String) { self.text = text }
    public var description: String { "enroll rate '\(text)' is not PER_SECOND[:BURST] (for example 20:200; 0 turns the limit off)" }
}
