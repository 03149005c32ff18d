import VigilSQL

/// `ec2_instance_metadata`: this EC2 instance as its metadata service describes it
/// (the identity document, IAM info and a few meta-data entries). No row off EC2.
/// Only the entries behind the columns the query uses are fetched.
public struct EC2InstanceMetadataTable: VirtualTable {
    public let schema = TableSchema("ec2_instance_metadata", "EC2 instance metadata.", [
        Column("instance_id", .text, "EC2 instance ID"),
        Column("instance_type", .text, "EC2 instance type"),
        Column("architecture", .text, "Hardware architecture of this EC2 instance"),
        Column("region", .text, "AWS region in which this instance launched"),
        Column("availability_zone", .text, "Availability zone in which this instance launched"),
        Column("local_hostname", .text, "Private IPv4 DNS hostname of the first interface of this instance"),
        Column("local_ipv4", .text, "Private IPv4 address of the first interface of this instance"),
        Column("mac", .text, "MAC address for the first network interface of this EC2 instance"),
        Column("security_groups", .text, "Comma separated list of security group names"),
        Column("iam_arn", .text, "If there is an IAM role associated with the instance, contains instance profile ARN"),
        Column("ami_id", .text, "AMI ID used to launch this EC2 instance"),
        Column("reservation_id", .text, "ID of the reservation"),
        Column("account_id", .text, "AWS account ID which owns this EC2 instance"),
        Column("ssh_public_key", .text, "SSH public key. Only available if supplied at instance launch time"),
    ])

    /// Columns from the identity document and its keys.
    static let identityKeys = [
        ("instance_id", "instanceId"), ("instance_type", "instanceType"), ("local_ipv4", "privateIp"),
        ("availability_zone", "availabilityZone"), ("region", "region"), ("account_id", "accountId"),
        ("architecture", "architecture"), ("ami_id", "imageId"),
    ]
    /// Columns that are one meta-data entry each.
    static let entries = [
        ("mac", "meta-data/mac"), ("local_hostname", "meta-data/local-hostname"),
        ("ssh_public_key", "meta-data/public-keys/0/openssh-key"), ("reservation_id", "meta-data/reservation-id"),
        ("security_groups", "meta-data/security-groups"),
    ]

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let imds = try EC2InstanceMetadataService.connect(table: schema.name) else { return RowSequence([]) }
        var row = Row(schema)
        // Columns without an answer are empty text, as osquery fills them.
        for column in schema.columns { row[column.name] = .text("") }
        if Self.identityKeys.contains(where: { context.isUsed($0.0) }), let identity = try imds.identity() {
            for (column, key) in Self.identityKeys { row[column] = .text(identity[key]?.string ?? "") }
        }
        if context.isUsed("iam_arn"), let info = try imds.get("meta-data/iam/info").flatMap(JSONValue.parse) {
            row["iam_arn"] = .text(info["InstanceProfileArn"]?.string ?? "")
        }
        for (column, path) in Self.entries where context.isUsed(column) {
            row[column] = .text(try imds.get(path).map(CloudMetadata.text) ?? "")
        }
        return RowSequence([row])
    }
}
