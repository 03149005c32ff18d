import VigilSQL

/// `osquery_extensions`: osquery's extension list. Vigil loads no extensions, so it
/// has osqueryi's one row for the core itself (uuid 0, type core), with Vigil's version.
public struct OsqueryExtensionsTable: VirtualTable {
    public let schema = TableSchema("osquery_extensions", "List of active osquery extensions: here only the core.", [
        Column("uuid", .bigint, "The transient ID assigned for communication"),
        Column("name", .text, "Extension's name"),
        Column("version", .text, "Extension's version").collated(.version),
        Column("sdk_version", .text, "osquery SDK version used to build the extension").collated(.version),
        Column("path", .text, "Path of the extenion's domain socket or library path"),
        Column("type", .text, "SDK extension type: core, extension or module"),
    ])

    public init() {}

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var row = Row(schema)
        row["uuid"] = 0
        row["name"] = "core"
        row["version"] = .text(VigilVersion.version)
        row["sdk_version"] = "0.0.0"
        row["path"] = "core"
        row["type"] = "core"
        return RowSequence([row])
    }
}
