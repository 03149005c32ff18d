import VigilSQL

/// What the docker list tables share: the containers list (with its id
/// pushdown), rows made per container, and the key/value rows of the four
/// `*_labels` tables.
extension DockerAPI {
    /// Every container (running or not), only those whose id starts with an `id =`
    /// value when the query names some; and the values asked for.
    func containers(_ context: QueryContext, table: String) throws -> (asked: [String]?, list: [JSONValue]) {
        let asked = Self.idValues(context, "id")
        if asked?.isEmpty == true { return (asked, []) }
        let list = try get("/containers/json" + Self.filterQuery("id", asked, all: true), table: table)?.array ?? []
        return (asked, list)
    }

    /// The rows `make` builds from each container (see `containers`), given the
    /// container and its id as the row shows it.
    func perContainer(_ context: QueryContext, _ schema: TableSchema,
                      _ make: (_ container: JSONValue, _ id: String) throws -> [Row]) throws -> RowSequence {
        let (asked, list) = try containers(context, table: schema.name)
        return RowSequence(try list.flatMap { try make($0, Self.id($0["Id"]?.string, matching: asked)) })
    }

    /// One row per label of each object: `keyColumn` holds the object's `keyField`
    /// (its id or name). Objects without labels (null) give no rows; `keys` (a pushed
    /// `key =`) keeps only those labels.
    static func labelRows(_ schema: TableSchema, _ objects: [JSONValue], keyColumn: String, keyField: String,
                          asked: [String]?, keys: [String]? = nil) -> RowSequence {
        var rows: [Row] = []
        for object in objects {
            guard case .object(let labels)? = object["Labels"] else { continue }
            let key = keyField == "Id" ? id(object["Id"]?.string, matching: asked) : object[keyField]?.string ?? ""
            for (name, value) in labels.sorted(by: { $0.key < $1.key }) where keys?.contains(name) ?? true {
                var row = Row(schema)
                row[keyColumn] = .text(key)
                row["key"] = .text(name)
                row["value"] = .text(value.string ?? value.json)
                rows.append(row)
            }
        }
        return RowSequence(rows)
    }
}
