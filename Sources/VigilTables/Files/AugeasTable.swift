import VigilSQL
import VigilSystem

/// `augeas`: configuration files as libaugeas's lenses parse them (the system's
/// lenses, /usr/share/augeas/lenses), one row per tree node under /files, as
/// `augtool print` shows them. `path =` (the file) and `node =` (an augeas path
/// expression) narrow the match, and LIKE on either turns `%` into augeas's `*`, as
/// osquery does. A query naming only files loads just those files (aug_load_file);
/// any other query loads every file a lens knows, as osquery always does.
public struct AugeasTable: VirtualTable {
    public let schema = TableSchema("augeas", "Configuration files parsed by augeas.", [
        Column("node", .text, "The node path of the configuration item", .index),
        Column("value", .text, "The value of the configuration item"),
        Column("label", .text, "The label of the configuration item"),
        Column("path", .text, "The path to the configuration file", .additional),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let nodes = context.texts("node") ?? [], nodeLikes = context.likePatterns("node") ?? []
        let paths = context.texts("path") ?? [], pathLikes = context.likePatterns("path") ?? []
        for path in paths + pathLikes where !path.hasPrefix("/") && !path.hasPrefix("%") {
            throw TableError("augeas: path must be an absolute file path, not '\(path)'")
        }
        var patterns = nodes + nodeLikes.filter { !$0.isEmpty }.map { Self.expression(like: $0) }
        patterns += paths.map { Self.fileExpression("/files" + $0) }
        patterns += pathLikes.filter { !$0.isEmpty }.map { Self.fileExpression("/files" + Self.expression(like: $0)) }
        // `path = ''` or `node = ''` names nothing.
        let constrained = context.texts("node") != nil || context.texts("path") != nil || !nodeLikes.isEmpty || !pathLikes.isEmpty
        if constrained && patterns.isEmpty { return RowSequence([]) }
        do {
            let augeas = try Augeas()
            let onlyFiles = !paths.isEmpty && nodes.isEmpty && nodeLikes.isEmpty && pathLikes.isEmpty
            var loaded = false
            if onlyFiles {
                loaded = true
                for path in paths where !(try augeas.load(file: path)) { loaded = false; break }
            }
            if !loaded { try augeas.loadAll() }
            let matched = try augeas.match(patterns.isEmpty ? "/files//*" : patterns.joined(separator: "|"))
            return RowSequence(matched) { node in
                var row = Row(schema)
                row["node"] = .text(node.path)
                row["value"] = .text(node.value ?? "")
                row["label"] = .text(node.label ?? "")
                let file = node.file ?? (node.path.hasPrefix("/files") ? node.path : nil)
                row["path"] = .text(file.map { String($0.dropFirst(6)) } ?? "")
                return row
            }
        } catch { throw TableError("augeas: \(error)") }
    }

    /// A LIKE pattern as an augeas expression: `%%` a level of the tree, `%` any name.
    static func expression(like pattern: String) -> String {
        pattern.replacing("%%", with: "/*").replacing("%", with: "*")
    }

    /// Every node under a file's node (the file itself is no item of it).
    static func fileExpression(_ node: String) -> String { node.hasSuffix("*") ? node : node + "//*" }
}
