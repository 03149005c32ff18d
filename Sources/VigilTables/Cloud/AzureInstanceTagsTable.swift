import VigilSQL

/// `azure_instance_tags`: this Azure VM's tags, from the compute document's `tags`
/// ("key:value;key:value", split at the first colon as osquery does); no rows off Azure.
public struct AzureInstanceTagsTable: VirtualTable {
    public let schema = TableSchema("azure_instance_tags", "Azure instance tags.", [
        Column("vm_id", .text, "Unique identifier for the VM"),
        Column("key", .text, "The tag key"),
        Column("value", .text, "The tag value"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let doc = try AzureInstanceMetadataService.compute(table: schema.name) else { return RowSequence([]) }
        let vmID = doc["vmId"]?.string ?? ""
        let tags = (doc["tags"]?.string ?? "").split(separator: ";", omittingEmptySubsequences: true)
        return RowSequence(tags) { tag in
            guard let colon = tag.firstIndex(of: ":") else { return nil }
            var row = Row(schema)
            row["vm_id"] = .text(vmID)
            row["key"] = .text(String(tag[..<colon]))
            row["value"] = .text(String(tag[tag.index(after: colon)...]))
            return row
        }
    }
}
