import Glibc
import VigilSQL
import VigilSystem
import Yams

/// `snap_packages`: snaps installed by snapd, one row per snap folder under the
/// snap mount root (/snap, or /var/lib/snapd/snap on distributions that mount them
/// there), from the active revision's meta/snap.yaml. The revision is the folder's
/// `current` link; snapd's state (/var/lib/snapd/state.json, root-only) gives the
/// tracked channel and store id, and the revision of a disabled snap (snapd removes
/// its `current` link). `name = X` reads only X's folder (and X_KEY, its parallel
/// installs).
public struct SnapPackagesTable: VirtualTable {
    public let schema = TableSchema("snap_packages", "Installed snap packages.", [
        Column("name", .text, "Package name", .index),
        Column("version", .text, "Package version"),
        Column("summary", .text, "One-line summary"),
        Column("description", .text, "Long description"),
        Column("type", .text, "Snap type (app, base, kernel, gadget, snapd)"),
        Column("confinement", .text, "Confinement policy (strict, devmode, classic)"),
        Column("base", .text, "Base snap this snap is built on"),
        Column("license", .text, "SPDX license expression"),
        Column("grade", .text, "Grade (stable, devel)"),
        Column("architectures", .text, "Comma-separated list of supported architectures"),
        Column("revision", .text, "Installed revision number"),
        Column("channel", .text, "Tracking channel (e.g. stable, beta, edge)"),
        Column("snap_id", .text, "Snap Store identifier"),
    ])
    let mountRoots: [String]
    let statePath: String

    public init() { self.init(mountRoots: ["/snap", "/var/lib/snapd/snap"], statePath: "/var/lib/snapd/state.json") }
    init(mountRoots: [String], statePath: String) {
        self.mountRoots = mountRoots
        self.statePath = statePath
    }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let root = mountRoots.first(where: { ((try? FileSystem.status($0))?.st_mode ?? 0) & S_IFMT == S_IFDIR }) else { return RowSequence([]) }
        let wanted = context.texts("name")
        // /snap/bin holds the snaps' command links, not a snap.
        let folders = ((try? FileSystem.list(root)) ?? []).sorted().filter { folder in
            folder != "bin" && !folder.hasPrefix(".")
                && (wanted?.contains { folder == $0 || folder.hasPrefix($0 + "_") } ?? true)
        }
        var state: [String: SnapState]?
        func snapState(_ folder: String) -> SnapState? {
            if state == nil { state = Self.readState(statePath) }
            return state?[folder]
        }
        var rows: [Row] = []
        for folder in folders {
            let link = try? FileSystem.readLink(root + "/" + folder + "/current")
            guard let revision = link.map({ String($0.split(separator: "/").last ?? "") }) ?? snapState(folder)?.revision,
                  !revision.isEmpty,
                  let text = FileSystem.readTextIfPresent("\(root)/\(folder)/\(revision)/meta/snap.yaml") else { continue }
            let meta = SnapMetadata(yaml: text)
            var row = Row(schema)
            row["name"] = .text(meta.scalar("name") ?? folder)
            row["version"] = .text(meta.scalar("version") ?? "")
            row["summary"] = .text(meta.scalar("summary") ?? "")
            row["description"] = .text(meta.scalar("description") ?? "")
            // snapd's defaults for the keys snap.yaml may leave out.
            row["type"] = .text(meta.scalar("type") ?? "app")
            row["confinement"] = .text(meta.scalar("confinement") ?? "strict")
            row["base"] = .text(meta.scalar("base") ?? "")
            row["license"] = .text(meta.scalar("license") ?? "")
            row["grade"] = .text(meta.scalar("grade") ?? "stable")
            row["architectures"] = .text(meta.architectures.joined(separator: ","))
            row["revision"] = .text(revision)
            if context.isUsed("channel") || context.isUsed("snap_id") {
                let s = snapState(folder)
                row["channel"] = .text(s?.channel ?? "")
                row["snap_id"] = .text(s?.snapID ?? "")
            }
            rows.append(row)
        }
        return RowSequence(rows)
    }

    struct SnapState {
        var revision: String
        var channel: String
        var snapID: String
    }

    /// state.json's data.snaps: per snap its current revision, tracked channel, and
    /// the store id of the current revision's sequence entry (or the snap's own).
    static func readState(_ path: String) -> [String: SnapState] {
        guard let bytes = try? FileSystem.read(path, limit: 256 << 20),
              case .object(let snaps)? = JSONValue.parse(bytes)?["data"]?["snaps"] else { return [:] }
        var out: [String: SnapState] = [:]
        for (name, snap) in snaps {
            let current = snap["current"]?.string ?? ""
            let entry = snap["sequence"]?.array?.first { $0["revision"]?.string == current }
            out[name] = SnapState(revision: current, channel: snap["channel"]?.string ?? "",
                                  snapID: entry?["snap-id"]?.string ?? snap["snap-id"]?.string ?? "")
        }
        return out
    }
}

/// A snap's meta/snap.yaml: its top-level scalars as written (a version such as
/// 1.10 stays "1.10"), and its architectures, a list of names or (snapcraft's
/// build-on/run-on form) of maps whose run-on names them.
struct SnapMetadata {
    let root: Node?

    init(yaml: String) { root = try? Yams.compose(yaml: yaml) }

    func scalar(_ key: String) -> String? { root?[key]?.scalar?.string }

    var architectures: [String] {
        (root?["architectures"]?.sequence ?? []).flatMap { item -> [String] in
            if let name = item.scalar?.string { return [name] }
            let runOn = item["run-on"]
            return runOn?.scalar.map { [$0.string] } ?? runOn?.sequence?.compactMap { $0.scalar?.string } ?? []
        }
    }
}
