import VigilSQL
import VigilSystem

/// Azure's Instance Metadata Service: GET /metadata/instance/compute with the
/// `Metadata: true` header, at API version 2018-02-01 (osquery's: every region
/// serves it). Asked only on a host that looks like an Azure VM: osquery's test,
/// the Azure Linux agent's log (/var/log/waagent.log), or the chassis asset tag
/// every Azure VM carries in DMI.
enum AzureInstanceMetadataService {
    static let url = CloudMetadata.baseURL + "/metadata/instance/compute?api-version=2018-02-01"
    static let chassisAssetTag = "7783-7084-3265-9085-8269-3286-77"

    static var looksLikeAzure: Bool {
        FileSystem.exists("/var/log/waagent.log") || CloudMetadata.dmi("chassis_asset_tag") == chassisAssetTag
    }

    /// The compute document, or nil off Azure (or when it is not a JSON object).
    static func compute(table: String) throws -> JSONValue? {
        guard looksLikeAzure, let body = try CloudMetadata.fetch(url, headers: ["Metadata: true"], table: table),
              let doc = JSONValue.parse(body), case .object = doc else { return nil }
        return doc
    }
}
