import VigilSQL

/// `osquery_flags`: the options and flags Vigil honours (`AgentFlags`), with their
/// defaults and the values in force: the agent's config, or in `vigil query` the
/// defaults and what that command was given.
public struct OsqueryFlagsTable: VirtualTable {
    public let schema = TableSchema("osquery_flags", "The options and flags Vigil honours (osquery's names where osquery has them), with their defaults and the values in force.", [
        Column("name", .text, "Flag name"),
        Column("type", .text, "Flag type (bool, int32, uint64, double, string)"),
        Column("description", .text, "Flag description"),
        Column("default_value", .text, "Flag default value"),
        Column("value", .text, "Flag value in force"),
        Column("shell_only", .integer, "1 if only the interactive shell reads the flag, else 0"),
    ])
    let view: AgentStateView

    public init(view: AgentStateView) { self.view = view }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let settings = view.flags
        return RowSequence(AgentFlags.all.map { flag in
            var row = Row(schema)
            row["name"] = .text(flag.name)
            row["type"] = .text(flag.type)
            row["description"] = .text(flag.description)
            row["default_value"] = .text(flag.defaultValue)
            row["value"] = .text(flag.value(settings))
            row["shell_only"] = SQLValue(flag.shellOnly)
            return row
        })
    }
}
