import CAugeas
import Glibc

/// What libaugeas cannot do: be loaded, start, or run a path expression.
public enum AugeasError: Error, CustomStringConvertible, Sendable {
    case libraryUnavailable
    case failed(String)

    public var description: String {
        switch self {
        case .libraryUnavailable: return "libaugeas (libaugeas.so.0) cannot be loaded"
        case .failed(let reason): return reason
        }
    }
}

/// An augeas handle (`aug_init` with the system's lenses, nothing loaded yet, saving
/// disabled); closed in deinit. Not for two threads at once: each scan opens its own.
public final class Augeas {
    /// One node of the tree: its path, value (nil when it has none), label, and the
    /// file it came from (nil for a node that is no file's).
    public struct Node: Sendable, Equatable {
        public let path: String
        public let value: String?
        public let label: String?
        public let file: String?
    }

    private let api: vigil_augeas_api
    private let handle: OpaquePointer

    public init() throws(AugeasError) {
        guard let api = vigil_augeas_api()?.pointee else { throw .libraryUnavailable }
        // AUG_SAVE_NOOP: nothing this handle does can write a file.
        let flags = UInt32(VIGIL_AUG_NO_ERR_CLOSE | VIGIL_AUG_NO_LOAD | VIGIL_AUG_SAVE_NOOP)
        guard let handle = api.open(nil, nil, flags) else { throw .failed("aug_init failed") }
        self.api = api
        self.handle = handle
        if api.error(handle) != Int32(VIGIL_AUG_NOERROR) { throw .failed("aug_init: " + message()) }
    }

    deinit { api.close(handle) }

    private func message() -> String { api.error_message(handle).map { String(cString: $0) } ?? "unknown error" }

    /// aug_load: every file the lenses know (a second or so on a typical host).
    public func loadAll() throws(AugeasError) {
        if api.load(handle) != 0 { throw .failed("aug_load: " + message()) }
    }

    /// aug_load_file: just `path`, with the lens that would read it; false when this
    /// libaugeas cannot load one file (before 1.13) and the caller must load all.
    public func load(file path: String) throws(AugeasError) -> Bool {
        guard let loadFile = api.load_file else { return false }
        // A file no lens reads is not an error: it just adds no nodes.
        if loadFile(handle, path) != 0, api.error(handle) != Int32(VIGIL_AUG_ENOLENS) { throw .failed("aug_load_file \(path): " + message()) }
        return true
    }

    /// The nodes `expression` (an augeas path expression) matches, in the tree's order.
    public func match(_ expression: String) throws(AugeasError) -> [Node] {
        if api.defvar(handle, "vigil_matches", expression) < 0 { throw .failed("\(expression): " + message()) }
        var matches: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = api.match(handle, "$vigil_matches", &matches)
        if count < 0 { throw .failed("\(expression): " + message()) }
        guard let matches else { return [] }
        defer {
            for i in 0..<Int(count) { free(matches[i]) }
            free(matches)
        }
        var nodes: [Node] = []
        for i in 0..<Int(count) {
            guard let path = matches[i] else { continue }
            var value: UnsafePointer<CChar>?, label: UnsafePointer<CChar>?, file: UnsafeMutablePointer<CChar>?
            guard api.ns_attr(handle, "vigil_matches", Int32(i), &value, &label, &file) >= 0 else { throw .failed(message()) }
            defer { free(file) }
            nodes.append(Node(path: String(cString: path), value: value.map { String(cString: $0) },
                              label: label.map { String(cString: $0) }, file: file.map { String(cString: $0) }))
        }
        return nodes
    }
}
