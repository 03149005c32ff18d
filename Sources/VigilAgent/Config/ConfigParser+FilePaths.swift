import VigilYAML
import Yams

extension ConfigParser {
    /// `file_paths` and `exclude_paths` map a category to patterns (a list, or one string);
    /// exclusions name a category of file_paths.
    func parseFilePaths(_ paths: Entry?, excluded: Entry?, accesses: Entry?) throws(ConfigError) -> FilePaths {
        var out = FilePaths()
        if let paths {
            for category in try anyEntries(paths.value, in: "file_paths") {
                let patterns = try patterns(category.value, for: "file_paths.\(category.key)")
                out.categories.append(.init(name: category.key, patterns: patterns))
            }
        }
        if let excluded {
            for category in try anyEntries(excluded.value, in: "exclude_paths") {
                guard let i = out.categories.firstIndex(where: { $0.name == category.key }) else {
                    let known = out.categories.map(\.name)
                    throw error("exclude_paths.\(category.key) names no category of file_paths" + (known.isEmpty ? "; file_paths has none" : " (they are: \(known.joined(separator: ", ")))"), at: category.keyNode)
                }
                out.categories[i].excluded += try patterns(category.value, for: "exclude_paths.\(category.key)")
            }
        }
        if let accesses, !items(accesses.value).isEmpty {
            warn("file_accesses is not supported: file_events reports changes (created, updated, deleted, moved, attributes), not reads", at: accesses.keyNode)
        }
        return out
    }

    private func patterns(_ node: Node, for what: String) throws(ConfigError) -> [String] {
        var out: [String] = []
        for item in items(node) {
            let text = try string(item, for: what)
            switch FilePattern.parse(text) {
            case .success: out.append(text)
            case .failure(let problem): throw error("\(what): \(problem.message)", at: item)
            }
        }
        return out
    }
}
