import VigilSQL
import VigilSystem

/// `hash`: MD5, SHA-1 and SHA-256 of files named by `path` (or a `path LIKE`
/// pattern) or of the files in a `directory`. Only the digests the query selects
/// are computed, in one read of the file. Directories are skipped; a file that
/// cannot be read (or is not a regular file, whose read could block or never
/// end) gives a row with empty digests.
public struct HashTable: VirtualTable {
    public let schema = TableSchema("hash", "Cryptographic hashes of files, by path, path pattern or directory.", [
        Column("path", .text, "Absolute path of the file; supports LIKE patterns", [.required, .index]),
        Column("directory", .text, "Directory of the file; directory = X hashes the files in X", .required),
        Column("md5", .text, "MD5 digest of the contents, lower-case hex"),
        Column("sha1", .text, "SHA-1 digest of the contents, lower-case hex"),
        Column("sha256", .text, "SHA-256 digest of the contents, lower-case hex"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let targets = try PathConstraints(context: context).targets()
        let algorithms = DigestAlgorithm.allCases.filter { context.isUsed($0.rawValue) }
        return RowSequence(targets) { target in
            guard let st = try? FileSystem.status(target.path) else { return nil }
            let kind = FileKind(mode: st.st_mode)
            if kind == .directory { return nil }
            var row = Row(schema)
            row["path"] = .text(target.path)
            row["directory"] = .text(target.directory)
            var digests: [DigestAlgorithm: String] = [:]
            if kind == .regular && !algorithms.isEmpty {
                digests = (try? Digest.hashFile(target.path, algorithms: algorithms)) ?? [:]
            }
            for algorithm in algorithms {
                row[algorithm.rawValue] = .text(digests[algorithm] ?? "")
            }
            return row
        }
    }
}
