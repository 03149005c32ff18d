import VigilSQL
import VigilSystem

/// EC2's instance metadata service (IMDS) as osquery asks it: an IMDSv2 session
/// token first (PUT /latest/api/token), then GETs under /latest/ carrying it; a
/// service that gives no token is asked without one (IMDSv1).
struct EC2InstanceMetadataService {
    let table: String
    let token: String?

    /// A session with the service, or nil off EC2: the Xen hypervisor's UUID, when
    /// there is one, starts with "ec2" on EC2 (osquery's test); without it (Nitro,
    /// any other host) the service itself must answer.
    static func connect(table: String) throws -> EC2InstanceMetadataService? {
        if let uuid = FileSystem.readTextIfPresent("/sys/hypervisor/uuid"), !uuid.lowercased().hasPrefix("ec2") { return nil }
        let answer = try CloudMetadata.request(CloudMetadata.baseURL + "/latest/api/token", method: "PUT",
                                               headers: ["X-aws-ec2-metadata-token-ttl-seconds: 21600"], table: table)
        // Nothing answered at all: no metadata service here, and no use asking again.
        guard let status = answer.responseCode else { return nil }
        let token = status == 200 && answer.bytes <= 4096 ? String(decoding: answer.body, as: UTF8.self) : nil
        let session = EC2InstanceMetadataService(table: table, token: token)
        // The identity document answers on every instance: no document, no EC2.
        return try session.get("dynamic/instance-identity/document") == nil ? nil : session
    }

    /// The body of /latest/PATH, nil when the service has no such entry.
    func get(_ path: String) throws -> [UInt8]? {
        // A token is printable ASCII; anything else would not be a header.
        let headers = token.flatMap { $0.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) ? ["X-aws-ec2-metadata-token: " + $0] : nil } ?? []
        return try CloudMetadata.fetch(CloudMetadata.baseURL + "/latest/" + path, headers: headers, table: table)
    }

    /// The identity document (instanceId, region, accountId, ...), parsed.
    func identity() throws -> JSONValue? {
        try get("dynamic/instance-identity/document").flatMap(JSONValue.parse)
    }
}
