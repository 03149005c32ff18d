import VigilSQL

/// `ycloud_instance_metadata`: this Yandex Cloud VM as its metadata service (the
/// GCE-compatible /computeMetadata/v1/, header `Metadata-Flavor: Google`) describes
/// it. `metadata_endpoint =` names other services to ask (http or https URLs), as in
/// osquery; an endpoint that gives no JSON object gives no row.
public struct YCloudInstanceMetadataTable: VirtualTable {
    public let schema = TableSchema("ycloud_instance_metadata", "Yandex.Cloud instance metadata.", [
        Column("instance_id", .text, "Unique identifier for the VM", .index),
        Column("folder_id", .text, "Folder identifier for the VM"),
        Column("cloud_id", .text, "Cloud identifier for the VM"),
        Column("name", .text, "Name of the VM"),
        Column("description", .text, "Description of the VM"),
        Column("hostname", .text, "Hostname of the VM"),
        Column("zone", .text, "Availability zone of the VM"),
        Column("ssh_public_key", .text, "SSH public key. Only available if supplied at instance launch time"),
        Column("serial_port_enabled", .text, "Indicates if serial port is enabled for the VM"),
        Column("metadata_endpoint", .text, "Endpoint used to fetch VM metadata", .index),
    ])
    static let pathAndQuery = "/computeMetadata/v1/instance/?alt=json&recursive=true"

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let endpoints = context.texts("metadata_endpoint") ?? [CloudMetadata.baseURL]
        for endpoint in endpoints where !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) {
            throw TableError("ycloud_instance_metadata: metadata_endpoint must be an http:// or https:// URL, not '\(endpoint)'")
        }
        return RowSequence(endpoints) { endpoint in
            guard let body = try CloudMetadata.fetch(endpoint + Self.pathAndQuery, headers: ["Metadata-Flavor: Google"], table: schema.name),
                  let doc = JSONValue.parse(body), case .object = doc else { return nil }
            var row = Row(schema)
            row["instance_id"] = .text(doc["id"]?.string ?? "")
            row["folder_id"] = .text(doc.at("vendor", "folderId")?.string ?? "")
            row["cloud_id"] = .text(doc.at("vendor", "cloudId")?.string ?? "")
            row["name"] = .text(doc["name"]?.string ?? "")
            row["description"] = .text(doc["description"]?.string ?? "")
            row["hostname"] = .text(doc["hostname"]?.string ?? "")
            row["zone"] = .text(Self.zoneID(doc["zone"]?.string ?? ""))
            row["ssh_public_key"] = .text(doc.at("attributes", "ssh-keys")?.string ?? "")
            row["serial_port_enabled"] = .text(doc.at("attributes", "serial-port-enable")?.string ?? "")
            row["metadata_endpoint"] = .text(endpoint)
            return row
        }
    }

    /// "projects/FOLDER/zones/ZONE" → ZONE; anything else → "" (osquery's reading).
    static func zoneID(_ zone: String) -> String {
        let parts = zone.split(separator: "/", omittingEmptySubsequences: false)
        return zone.hasPrefix("projects/") && parts.count >= 4 ? String(parts[3]) : ""
    }
}
