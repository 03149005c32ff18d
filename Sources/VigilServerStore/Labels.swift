/// A host group: dynamic (hosts run its SQL and belong while it returns rows) or manual
/// (hosts named by an operator).
public struct LabelRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var description: String
    /// The SQL of a dynamic label; nil for a manual one.
    public var query: String?
    public var hosts: Int64

    public init(id: Int64 = 0, name: String, description: String = "", query: String? = nil, hosts: Int64 = 0) {
        self.id = id
        self.name = name
        self.description = description
        self.query = query
        self.hosts = hosts
    }

    enum CodingKeys: String, CodingKey { case id, name, description, query, hosts }
}

/// An osquery pack kept as the JSON an osquery config carries under `packs`
/// (queries, discovery, shard, platform), and the labels it is sent to; none means
/// every host.
public struct PackRecord: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var body: String
    public var labelIDs: [Int64]

    public init(id: Int64 = 0, name: String, body: String, labelIDs: [Int64]) {
        self.id = id
        self.name = name
        self.body = body
        self.labelIDs = labelIDs
    }
}
