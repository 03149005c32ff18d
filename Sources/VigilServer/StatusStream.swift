import Foundation
import Hummingbird
import VigilServerStore
import VigilSystem
import VigilWire

/// The hosts' online status as server-sent events, for pages that show it (the dashboard's
/// counts, the hosts page's rows): every 5 s the fleet's counts and the listed hosts'
/// states, each sent only when it changed. One count and one indexed read per viewer per
/// 5 s, against a status that turns after 45 s of silence.
extension APIEndpoints {
    static let statusInterval = 5.0
    /// Hosts one stream follows (a page shows 50).
    static let statusMaxHosts = 200

    var statusRoutes: [APIRoute] {
        [
            APIRoute(method: .get, path: "/api/v1/status/stream",
                     summary: "Hosts online and in all (`counts`) and the status of the hosts in `ids` (comma-separated, at most 200; `host`) as server-sent events, when they change",
                     role: .observer, query: ["ids"]) { r, _ in try await statusStream(r) },
        ]
    }

    func statusStream(_ request: Request) async throws -> Response {
        let text = request.uri.queryParameters.get("ids") ?? ""
        var ids: [Int64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let id = Int64(part.trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw HTTPError(.badRequest, message: "ids is a comma-separated list of host ids, not '\(text.prefix(60))'")
            }
            ids.append(id)
        }
        guard ids.count <= Self.statusMaxHosts else { throw HTTPError(.badRequest, message: "at most \(Self.statusMaxHosts) ids") }
        let store = fleet.store, offline = fleet.options.offlineAfterSeconds, hostIDs = ids, streams = fleet.streams
        let body = ResponseBody { writer in
            var counts: (total: Int, online: Int)?
            var online: [Int64: Bool] = [:]
            let deadline = ContinuousClock.now + .seconds(600)
            while ContinuousClock.now < deadline && !streams.isClosed {
                let now = FleetContext.now()
                var out = ""
                let c = try await store.hostCounts(seenSince: now - offline)
                if counts == nil || counts! != c {
                    counts = c
                    out += "event: counts\ndata: {\"online\":\(c.online),\"offline\":\(c.total - c.online),\"total\":\(c.total)}\n\n"
                }
                for (id, seen) in try await store.lastSeen(hostIDs: hostIDs).sorted(by: { $0.key < $1.key }) {
                    let isOnline = now - seen <= offline
                    if online[id] != isOnline {
                        online[id] = isOnline
                        out += "event: host\ndata: {\"id\":\(id),\"online\":\(isOnline),\"last_seen\":\(seen)}\n\n"
                    }
                }
                // Nothing new: a comment, so that a browser that has left is noticed by the failed write.
                try await writer.write(ByteBuffer(string: out.isEmpty ? ": waiting\n\n" : out))
                await streams.pause(seconds: Self.statusInterval)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
