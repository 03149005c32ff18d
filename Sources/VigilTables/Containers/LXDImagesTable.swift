import VigilSQL

/// `lxd_images`: the images in LXD's store (`GET /1.0/images`), or for each `id =`
/// the image whose fingerprint starts with it (`/1.0/images/ID`); that row's id is
/// the value asked, as osquery's. An image imported locally has no update source:
/// those four columns are NULL (osquery leaves such an image out). `id` compares without
/// case, as osquery declares it (`collate="nocase"`): the pushed-down `id =` asks LXD
/// for the lowercase fingerprint and answers with the value asked.
public struct LXDImagesTable: VirtualTable {
    public let schema = TableSchema("lxd_images", "LXD images information.", [
        Column("id", .text, "Image ID", .index).collated(.noCase),
        Column("architecture", .text, "Target architecture for the image"),
        Column("os", .text, "OS on which image is based"),
        Column("release", .text, "OS release version on which the image is based"),
        Column("description", .text, "Image description"),
        Column("aliases", .text, "Comma-separated list of image aliases"),
        Column("filename", .text, "Filename of the image file"),
        Column("size", .bigint, "Size of image in bytes"),
        Column("auto_update", .integer, "Whether the image auto-updates (1) or not (0)"),
        Column("cached", .integer, "Whether image is cached (1) or not (0)"),
        Column("public", .integer, "Whether image is public (1) or not (0)"),
        Column("created_at", .text, "ISO time of image creation"),
        Column("expires_at", .text, "ISO time of image expiration"),
        Column("uploaded_at", .text, "ISO time of image upload"),
        Column("last_used_at", .text, "ISO time for the most recent use of this image in terms of container spawn"),
        Column("update_source_server", .text, "Server for image update"),
        Column("update_source_protocol", .text, "Protocol used for image information update and image import from source server"),
        Column("update_source_certificate", .text, "Certificate for update source server"),
        Column("update_source_alias", .text, "Alias of image at update source server"),
    ])
    static let texts = ["architecture", "filename", "created_at", "expires_at", "uploaded_at", "last_used_at"]
    let api: LXDAPI

    public init(api: LXDAPI = LXDAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        var images: [(id: String?, image: JSONValue)] = []
        if let asked = context.texts("id") {
            // A fingerprint or a prefix of one; anything else matches nothing.
            for id in asked where !id.isEmpty && id.count <= 64 && id.allSatisfy(\.isHexDigit) {
                if let image = try api.metadata(LXDAPI.path("images", id.lowercased()), table: schema.name, ofOne: true) {
                    images.append((id, image))
                }
            }
        } else {
            images = try api.list("/1.0/images", table: schema.name).map { (nil, $0) }
        }
        return RowSequence(images) { asked, image in
            var row = Row(schema)
            row["id"] = asked.map(SQLValue.text) ?? LXDAPI.text(image["fingerprint"])
            for column in Self.texts { row[column] = LXDAPI.text(image[column]) }
            for column in ["os", "release", "description"] { row[column] = LXDAPI.text(image.at("properties", column)) }
            row["aliases"] = .text((image["aliases"]?.array ?? []).compactMap { $0["name"]?.string }.joined(separator: ","))
            row["size"] = LXDAPI.integer(image["size"])
            for column in ["auto_update", "cached", "public"] { row[column] = LXDAPI.flag(image[column]) }
            for field in ["server", "protocol", "certificate", "alias"] {
                row["update_source_" + field] = LXDAPI.text(image.at("update_source", field))
            }
            return row
        }
    }
}
