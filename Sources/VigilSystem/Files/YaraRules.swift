import CYara

/// Compiled YARA rules (libyara's `yr_compiler_add_string`, `yr_compiler_get_rules`),
/// freed in deinit; scans files with `yr_rules_scan_file`. libyara is opened with
/// dlopen (see CYara.h).
public final class YaraRules {
    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// libyara.so.9 cannot be loaded, or the source does not compile: the reason.
        case compile(String)
        public var description: String {
            switch self { case .compile(let reason): return reason }
        }
    }

    /// What one file's scan found: the matching rules, their tags (each once) and
    /// the matching strings as "$identifier:offset", each list comma-separated.
    public struct Matches: Sendable {
        public let count: Int
        public let rules: String
        public let tags: String
        public let strings: String
    }

    private let rules: OpaquePointer

    public init(source: String) throws(Failure) {
        var error = [CChar](repeating: 0, count: 512)
        guard let rules = vigil_yara_compile(source, &error, error.count) else {
            throw .compile(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.rules = rules
    }

    deinit { vigil_yara_rules_free(rules) }

    /// The matches in the file at `path`; nil when libyara cannot scan it (missing,
    /// unreadable, timed out after `timeoutSeconds`).
    public func scan(_ path: String, timeoutSeconds: Int32 = 60) -> Matches? {
        var result = vigil_yara_result()
        defer { vigil_yara_result_free(&result) }
        guard vigil_yara_scan_file(rules, path, timeoutSeconds, &result) == 0 else { return nil }
        func text(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        return Matches(count: Int(result.count), rules: text(result.matches), tags: text(result.tags), strings: text(result.strings))
    }
}
