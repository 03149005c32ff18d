/// osquery's file integrity sections: `file_paths` (category → patterns), `exclude_paths`
/// (category → patterns not to report) and `file_accesses` (categories whose reads
/// osquery reports; Vigil reports changes only and says so at load).
public struct FilePaths: Sendable, Equatable {
    public struct Category: Sendable, Equatable {
        public var name: String
        public var patterns: [String]
        public var excluded: [String] = []

        public init(name: String, patterns: [String], excluded: [String] = []) {
            self.name = name
            self.patterns = patterns
            self.excluded = excluded
        }
    }

    /// In the order the config lists them; a path in two categories is reported in the first.
    public var categories: [Category] = []

    public init(categories: [Category] = []) { self.categories = categories }

    public var isEmpty: Bool { categories.allSatisfy { $0.patterns.isEmpty } }
}
