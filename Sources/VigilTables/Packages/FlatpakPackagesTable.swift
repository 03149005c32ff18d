import VigilSQL
import VigilSystem

/// `flatpak_packages`: apps and runtimes deployed by Flatpak, system-wide
/// (/var/lib/flatpak) and in each account's ~/.local/share/flatpak: one row per
/// BASE/{app,runtime}/ID/ARCH/BRANCH whose `active` link names the deployed commit.
/// The runtime comes from the deployment's `metadata` key file, the origin from the
/// remote whose ref (BASE/repo/refs/remotes/REMOTE/TYPE/ID/ARCH/BRANCH) holds that
/// commit, the rest from the AppStream file the package ships
/// (files/share/metainfo/ID.metainfo.xml, or the older appdata/ID.appdata.xml).
/// `app_id = X` reads only X's folders. Files in a home are read as its account
/// (`HomeFile`): the user may point them anywhere.
public struct FlatpakPackagesTable: VirtualTable {
    public let schema = TableSchema("flatpak_packages", "Installed Flatpak packages.", [
        Column("name", .text, "Human-readable package name (from AppStream metadata)"),
        Column("app_id", .text, "Application ID (e.g. org.gnome.Gedit)", .index),
        Column("version", .text, "Package version (from AppStream metadata)"),
        Column("arch", .text, "Architecture (e.g. x86_64)"),
        Column("branch", .text, "Tracking branch (e.g. stable)"),
        Column("commit_hash", .text, "Active deployment commit checksum"),
        Column("origin", .text, "Remote name the package was installed from"),
        Column("runtime", .text, "Runtime identifier (from package metadata)"),
        Column("type", .text, "Package type: app or runtime"),
        Column("installation", .text, "Installation scope: system or user"),
        Column("summary", .text, "One-line summary"),
        Column("description", .text, "Long description (from AppStream metadata)"),
        Column("license", .text, "SPDX license expression"),
        Column("homepage", .text, "Project homepage URL"),
        Column("developer_name", .text, "Developer or publisher name"),
    ])
    let systemBase: String

    public init() { self.init(systemBase: "/var/lib/flatpak") }
    init(systemBase: String) { self.systemBase = systemBase }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        // Each installation with how its files are read (by paths relative to it).
        var bases: [(base: String, installation: String, read: (String) -> String?)] = [
            (systemBase, "system", { FileSystem.readTextIfPresent(systemBase + "/" + $0) }),
        ]
        var seen = Set<String>()
        for account in (try? Passwd.read()) ?? [] where !account.home.isEmpty && account.home != "/" && seen.insert(account.home).inserted {
            let home = account.home.hasSuffix("/") ? String(account.home.dropLast()) : account.home
            bases.append((home + "/.local/share/flatpak", "user", { relative in
                (try? HomeFile.read(home: home, name: ".local/share/flatpak/" + relative, uid: account.uid, gid: account.gid, limit: 8 << 20))
                    .map { String(decoding: $0, as: UTF8.self) }
            }))
        }
        let wanted = context.texts("app_id")
        let appStream = ["name", "version", "summary", "description", "license", "homepage", "developer_name"].contains(where: context.isUsed)
        var rows: [Row] = []
        for (base, installation, read) in bases {
            for type in ["app", "runtime"] {
                let ids = wanted ?? ((try? FileSystem.list(base + "/" + type)) ?? []).sorted()
                for id in ids {
                    for arch in ((try? FileSystem.list("\(base)/\(type)/\(id)")) ?? []).sorted() {
                        for branch in ((try? FileSystem.list("\(base)/\(type)/\(id)/\(arch)")) ?? []).sorted() {
                            let ref = "\(type)/\(id)/\(arch)/\(branch)"
                            guard let active = try? FileSystem.readLink(base + "/" + ref + "/active"),
                                  let deployment = active.split(separator: "/").last.map(String.init),
                                  let metadata = read(ref + "/" + deployment + "/metadata") else { continue }
                            // A locale extension's deployment is the checksum and "-LOCALE".
                            let commit = String(deployment.prefix { $0.isHexDigit && !$0.isUppercase })
                            var row = Row(schema)
                            row["app_id"] = .text(id)
                            row["arch"] = .text(arch)
                            row["branch"] = .text(branch)
                            row["commit_hash"] = .text(commit)
                            row["type"] = .text(type)
                            row["installation"] = .text(installation)
                            row["runtime"] = .text(Self.keyFileValue(metadata, section: type == "app" ? "Application" : "Runtime", key: "runtime") ?? "")
                            row["origin"] = .text(context.isUsed("origin") ? Self.origin(base: base, ref: ref, commit: commit, read: read) : "")
                            for column in ["name", "version", "summary", "description", "license", "homepage", "developer_name"] { row[column] = .text("") }
                            if appStream, let component = Self.appStream(ref + "/" + deployment + "/files/share", id: id, read: read) {
                                Self.fill(&row, component)
                            }
                            rows.append(row)
                        }
                    }
                }
            }
        }
        return RowSequence(rows)
    }

    /// KEY's first value in [SECTION] of a GLib key file (translated KEY[xx] skipped).
    static func keyFileValue(_ text: String, section: String, key: String) -> String? {
        var current = ""
        for raw in FileSystem.lines(text) {
            let line = raw.trimmingCharacters()
            if line.hasPrefix("[") { current = String(line.dropFirst().prefix { $0 != "]" }); continue }
            guard current == section, let eq = line.firstIndex(of: "=") else { continue }
            if line[..<eq].trimmingCharacters() == key { return line[line.index(after: eq)...].trimmingCharacters() }
        }
        return nil
    }

    /// The remote whose ref for `ref` holds `commit`.
    static func origin(base: String, ref: String, commit: String, read: (String) -> String?) -> String {
        for remote in ((try? FileSystem.list(base + "/repo/refs/remotes")) ?? []).sorted()
        where read("repo/refs/remotes/\(remote)/\(ref)")?.trimmingCharacters() == commit {
            return remote
        }
        return ""
    }

    static func appStream(_ share: String, id: String, read: (String) -> String?) -> XMLElement? {
        let text = read("\(share)/metainfo/\(id).metainfo.xml") ?? read("\(share)/appdata/\(id).appdata.xml")
        guard let root = text.flatMap(XMLElement.parse), root.name == "component" || root.name == "application" else { return nil }
        return root
    }

    static func fill(_ row: inout Row, _ component: XMLElement) {
        func first(_ name: String) -> XMLElement? { component.children.first { $0.name == name && $0.untranslated } }
        row["name"] = .text(first("name")?.plainText ?? "")
        row["summary"] = .text(first("summary")?.plainText ?? "")
        row["license"] = .text(first("project_license")?.plainText ?? "")
        // AppStream 1.0 moved the developer's name into <developer><name>.
        let developer = first("developer_name")?.plainText ?? ""
        row["developer_name"] = .text(developer.isEmpty ? (first("developer")?.children.first { $0.name == "name" && $0.untranslated }?.plainText ?? "") : developer)
        row["homepage"] = .text(component.children.first { $0.name == "url" && $0.attributes["type"] == "homepage" }?.plainText ?? "")
        // The untranslated paragraphs and list items, without the translated ones.
        row["description"] = .text(first("description").map { d in d.children.map(\.plainText).filter { !$0.isEmpty }.joined(separator: " ") } ?? "")
        // Releases are listed newest first.
        row["version"] = .text(first("releases")?.children.first { $0.name == "release" && $0.attributes["version"]?.isEmpty == false }?.attributes["version"] ?? "")
    }
}
