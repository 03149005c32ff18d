import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, as browsers post forms.
struct Form: Sendable {
    /// Largest form body read (a live query's SQL is at most 64 KiB, percent-encoded).
    static let maxBytes = 256 * 1024

    private(set) var fields: [(name: String, value: String)] = []

    init(_ body: String) {
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            fields.append((Self.decode(parts[0]), parts.count > 1 ? Self.decode(parts[1]) : ""))
        }
    }

    static func read(_ request: Request) async throws -> Form {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBytes) } catch {
            throw HTTPError(.contentTooLarge, message: "the form is over \(maxBytes) bytes")
        }
        return Form(String(buffer: buffer))
    }

    /// `+` is a space; a malformed escape is kept as it was rather than failing the form.
    static func decode(_ s: Substring) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Every value of a repeated field (a multiple select).
    func all(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }
}

/// Percent-encoding for a query string value made from what a person typed.
func queryEscape(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}
