import Crypto
import Dispatch
import HummingbirdBcrypt
import VigilSystem

/// Random keys and their stored form. Node keys, API tokens and passwords are random
/// 256-bit values from the kernel's generator; only their SHA-256 is stored, so a copy
/// of the database lets nobody act as a host or a user. (A slow password hash buys
/// nothing for random keys of this size.)
public enum Secrets {
    /// A new random key: 32 bytes as 64 lower-case hex digits.
    public static func newKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return VigilSystem.Digest.hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// A shorter random secret people type or paste (enroll secrets, the admin password): 24 characters of a 32-letter alphabet, 120 bits.
    public static func newPassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789AB")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// The stored form of a key: its SHA-256 in hex.
    public static func hash(_ key: String) -> String {
        // Every agent request hashes its node key: one buffer, not a string per byte.
        VigilSystem.Digest.hex(Array(SHA256.hash(data: Array(key.utf8))))
    }

    /// bcrypt's cost: 2^10 rounds, about 70 ms here (OWASP's minimum for bcrypt). A
    /// password is a secret a person may reuse, so a stolen database must not give it
    /// up at the speed of SHA-256, whatever our own generated ones are worth.
    static let bcryptCost: UInt8 = 10

    /// The stored form of a password: bcrypt, salted. Run off the caller's thread (it
    /// takes tens of milliseconds, which must not hold the cooperative pool).
    public static func passwordHash(_ password: String) async -> String {
        await offPool { Bcrypt.hash(password, cost: bcryptCost) }
    }

    /// Whether `password` is the one `stored` was made from: bcrypt, or the SHA-256 of
    /// data directories made before passwords were bcrypted.
    public static func passwordMatches(_ password: String, stored: String) async -> Bool {
        if !stored.hasPrefix("$2") { return equal(hash(password), stored) }
        return await offPool { Bcrypt.verify(password, hash: stored) }
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Compare without an early exit, so that timing tells nothing of how much matched.
    public static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
