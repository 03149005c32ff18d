import Foundation
import VigilServerStore
import VigilWire

/// Each host's osquery config: the fleet's config, plus every pack aimed at a label the
/// host is in (or at no label: every host). A pack's `shard` is passed on as osquery
/// writes it: the agent itself decides whether it is in the shard, as osquery does, so a
/// rollout to 10% of a group behaves the same on Vigil and osquery agents. Encoded with
/// sorted keys, so one host's config and its ETag change only when its content does.
enum ConfigAssembly {
    static func config(for host: HostRecord, store: any ServerStore) async throws -> String {
        let sources = try await store.configSources(hostID: host.id)
        let base = sources.config ?? ServerDefaults.config
        let packs = sources.packs
        guard !packs.isEmpty else { return base }
        let labels = sources.labelIDs
        let mine = packs.filter { $0.labelIDs.isEmpty || !labels.isDisjoint(with: $0.labelIDs) }
        guard !mine.isEmpty else { return base }
        var config = (try? WireCoding.decode(JSONValue.self, from: Data(base.utf8)))?.object ?? [:]
        var all = config["packs"]?.object ?? [:]
        for pack in mine {
            all[pack.name] = (try? WireCoding.decode(JSONValue.self, from: Data(pack.body.utf8))) ?? .object([:])
        }
        config["packs"] = .object(all)
        return try WireCoding.encodeString(JSONValue.object(config))
    }
}
