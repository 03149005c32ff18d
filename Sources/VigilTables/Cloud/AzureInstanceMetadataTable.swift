import VigilSQL

/// `azure_instance_metadata`: this Azure VM as its metadata service describes it;
/// no row off Azure.
public struct AzureInstanceMetadataTable: VirtualTable {
    public let schema = TableSchema("azure_instance_metadata", "Azure instance metadata.", [
        Column("location", .text, "Azure Region the VM is running in"),
        Column("name", .text, "Name of the VM"),
        Column("offer", .text, "Offer information for the VM image (Azure image gallery VMs only)"),
        Column("publisher", .text, "Publisher of the VM image"),
        Column("sku", .text, "SKU for the VM image"),
        Column("version", .text, "Version of the VM image"),
        Column("os_type", .text, "Linux or Windows"),
        Column("platform_update_domain", .text, "Update domain the VM is running in"),
        Column("platform_fault_domain", .text, "Fault domain the VM is running in"),
        Column("vm_id", .text, "Unique identifier for the VM", .index),
        Column("vm_size", .text, "VM size"),
        Column("subscription_id", .text, "Azure subscription for the VM"),
        Column("resource_group_name", .text, "Resource group for the VM"),
        Column("placement_group_id", .text, "Placement group for the VM scale set"),
        Column("vm_scale_set_name", .text, "VM scale set name"),
        Column("zone", .text, "Availability zone of the VM"),
    ])

    /// Column → the compute document's key.
    static let keys = [
        ("location", "location"), ("name", "name"), ("offer", "offer"), ("publisher", "publisher"), ("sku", "sku"),
        ("version", "version"), ("os_type", "osType"), ("platform_update_domain", "platformUpdateDomain"),
        ("platform_fault_domain", "platformFaultDomain"), ("vm_id", "vmId"), ("vm_size", "vmSize"),
        ("subscription_id", "subscriptionId"), ("resource_group_name", "resourceGroupName"),
        ("placement_group_id", "placementGroupId"), ("vm_scale_set_name", "vmScaleSetName"), ("zone", "zone"),
    ]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let doc = try AzureInstanceMetadataService.compute(table: schema.name) else { return RowSequence([]) }
        var row = Row(schema)
        // A key the document lacks (or that is not text) is empty, as in osquery.
        for (column, key) in Self.keys { row[column] = .text(doc[key]?.string ?? "") }
        return RowSequence([row])
    }
}
