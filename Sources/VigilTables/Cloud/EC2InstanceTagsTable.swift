import VigilSQL

/// `ec2_instance_tags`: this instance's tags. osquery asks the EC2 API
/// (DescribeTags, with AWS credentials); Vigil reads them from the instance
/// metadata service (/latest/meta-data/tags/instance/), which needs no credentials
/// but answers only when the instance allows tags in its metadata
/// (InstanceMetadataTags=enabled). No rows off EC2 or without that option.
public struct EC2InstanceTagsTable: VirtualTable {
    public let schema = TableSchema("ec2_instance_tags", "EC2 instance tag key value pairs.", [
        Column("instance_id", .text, "EC2 instance ID"),
        Column("key", .text, "Tag key"),
        Column("value", .text, "Tag value"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let imds = try EC2InstanceMetadataService.connect(table: schema.name),
              let list = try imds.get("meta-data/tags/instance") else { return RowSequence([]) }
        let instanceID = try imds.identity()?["instanceId"]?.string ?? ""
        // One key a line; a key names a path segment, so one with a slash is not a key.
        let keys = String(decoding: list, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty && !$0.contains("/") && $0 != "." && $0 != ".." }
        return RowSequence(keys) { key in
            var row = Row(schema)
            row["instance_id"] = .text(instanceID)
            row["key"] = .text(key)
            let value = context.isUsed("value") ? try imds.get("meta-data/tags/instance/" + DockerAPI.percentEncoded(key)) : nil
            row["value"] = .text(value.map { String(decoding: $0, as: UTF8.self) } ?? "")
            return row
        }
    }
}
