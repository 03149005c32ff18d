import CMagic

/// What libmagic cannot do: be loaded, or load a magic database.
public enum MagicError: Error, CustomStringConvertible, Sendable {
    case libraryUnavailable
    case database(String)

    public var description: String {
        switch self {
        case .libraryUnavailable: return "libmagic (libmagic.so.1) cannot be loaded"
        case .database(let reason): return "cannot load the magic database: \(reason)"
        }
    }
}

/// A libmagic cookie (`magic_open`, `magic_load`) with its database loaded; closed
/// in deinit. Not for use by two threads at once: each table scan opens its own.
public final class Magic {
    private let api: vigil_magic_api
    private let cookie: magic_t

    /// `databases`: colon-separated magic files (MAGIC's syntax); nil for the default.
    public init(databases: String? = nil) throws(MagicError) {
        guard let api = vigil_magic_api()?.pointee else { throw .libraryUnavailable }
        guard let cookie = api.open(MAGIC_NONE) else { throw .database("magic_open failed") }
        if api.load(cookie, databases) != 0 {
            let reason = api.error(cookie).map { String(cString: $0) } ?? "magic_load failed"
            api.close(cookie)
            throw .database(reason)
        }
        self.api = api
        self.cookie = cookie
    }

    deinit { api.close(cookie) }

    /// Which of libmagic's answers to give.
    public enum Output: Sendable {
        /// `file -b`
        case description
        /// `file -b --mime-type` (MAGIC_MIME_TYPE)
        case mimeType
        /// `file -b --mime-encoding` (MAGIC_MIME_ENCODING)
        case mimeEncoding
    }

    /// What `file` says of `path`; nil when libmagic cannot read the file.
    public func describe(_ path: String, _ output: Output = .description) -> String? {
        let flags: Int32
        switch output {
        case .description: flags = MAGIC_NONE
        case .mimeType: flags = MAGIC_MIME_TYPE
        case .mimeEncoding: flags = MAGIC_MIME_ENCODING
        }
        _ = api.setflags(cookie, flags)
        return api.file(cookie, path).map { String(cString: $0) }
    }
}
