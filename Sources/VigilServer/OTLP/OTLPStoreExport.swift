import Foundation
import Logging
import VigilOTLP
import VigilServerStore
import VigilSystem
import VigilWire

/// Exports result and status lines or live-query answer rows (as OTLP logs), or agents'
/// profiles (as OTLP profiles), from the store itself, in the order stored, at least
/// once: a cursor over the stream's ids, kept in
/// the database and moved only after the collector took a batch. Nothing waits in memory
/// but the batch being sent, so a restart (even a SIGKILL) loses nothing, and a collector
/// away for days costs the database's retention, whose deletions of items not yet
/// exported are counted (vigil_otlp_dropped_items_total, reason retention).
///
/// Before a batch goes out its last id is recorded: a server killed while sending resends
/// that batch when it starts again, and counts it (vigil_otlp_resent_items_total), as the
/// collector may have had it. Servers sharing one PostgreSQL database export in turn: the
/// one holding the cursor's lease (renewed with each batch and each retry) exports; the
/// others take over when it has not renewed it for `leaseSeconds`.
struct OTLPStoreExport {
    let stream: ExportStream
    let sender: OTLPSender
    let store: any ServerStore
    /// Stable across restarts (the server's name and data directory): a restarted server
    /// takes its own lease back at once.
    let owner: String
    let logger: Logger
    static let leaseSeconds: Int64 = 180

    var exporter: OTLPExporter { sender.exporter }
    var metrics: ServerMetrics { exporter.serverMetrics }
    var until: Int64 { FleetContext.now() + Self.leaseSeconds }
    /// For the log: "OTLP export of the lines".
    var what: String {
        switch stream {
        case .logs: "OTLP export of the lines"
        case .answers: "OTLP export of the live-query answers"
        case .profiles: "OTLP export of the profiles"
        }
    }

    /// A batch read from the store: its last id, how many stored items it holds, and the
    /// request's body (nil when none of them can be sent: profiles that cannot be read).
    struct Batch {
        var lastID: Int64?
        var count = 0
        var body: [UInt8]?
    }

    func read(after: Int64, through: Int64, limit: Int, hosts: inout HostCache) async throws -> Batch {
        switch stream {
        case .logs:
            let lines = try await store.exportLogs(after: after, through: through, limit: limit)
            var items: [OTLPLogItem] = []
            for line in lines {
                // Observed now: the store keeps no time of arrival.
                items.append(.line(host: try await hosts.host(line.hostID, store), kind: line.kind, unixTime: line.unixTime, text: line.line, received: FleetContext.now()))
            }
            return Batch(lastID: lines.last?.id, count: lines.count, body: OTLPLogEncoding.exportRequest(items))
        case .answers:
            let rows = try await store.exportAnswerRows(after: after, through: through, limit: limit)
            var items: [OTLPLogItem] = []
            var start = 0
            // An answer's consecutive rows from one host are one item.
            while start < rows.count {
                var end = start + 1
                while end < rows.count && rows[end].campaignID == rows[start].campaignID && rows[end].hostID == rows[start].hostID { end += 1 }
                // Stored as the agent's JSON objects, checked when they arrived.
                let decoded = rows[start..<end].compactMap { try? WireCoding.decode([String: JSONValue].self, from: Data($0.columns.utf8)) }
                items.append(.answer(host: try await hosts.host(rows[start].hostID, store), campaign: rows[start].campaignID, rows: decoded, received: rows[start].answeredAt))
                start = end
            }
            return Batch(lastID: rows.last?.id, count: rows.count, body: OTLPLogEncoding.exportRequest(items))
        case .profiles:
            // Profiles are large: a few per request.
            let profiles = try await store.exportProfiles(after: after, through: through, limit: max(1, limit / 64))
            var builder = OTLPProfilesBuilder()
            var unreadable = 0
            for p in profiles {
                let host = try await hosts.host(p.hostID, store)
                do {
                    try builder.add(pprof: try Gzip.decompress(p.pprof, limit: 256 << 20), resource: host.resource, scope: OTLPHost.scope)
                } catch {
                    unreadable += 1
                    logger.warning("\(what): profile \(p.id) of \(host.hostIdentifier) cannot be read: \(error)")
                }
            }
            if unreadable > 0 { metrics.otlpDropped(signal: sender.signal.rawValue, reason: "unreadable", count: unreadable) }
            return Batch(lastID: profiles.last?.seq, count: profiles.count - unreadable, body: builder.isEmpty ? nil : builder.exportRequest())
        }
    }

    func run() async {
        var retries = OTLPSender.RetryState()
        var hosts = HostCache()
        // The cursor while this server holds the lease, and when the lease was last claimed.
        var held: (cursor: Int64, claimedAt: Int64)?
        // The newest settled id seen; kept when the next look fails (a lock not had in time).
        var settled: Int64 = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // Claimed again every 10 s, well within the lease: renewed, and retention's count taken.
                if held.map({ FleetContext.now() - $0.claimedAt >= 10 }) ?? true {
                    guard let cursor = try await store.claimExport(stream, owner: owner, at: FleetContext.now(), until: until) else {
                        if held != nil { logger.info("\(what): another server holds the cursor now") }
                        held = nil
                        await OTLPSender.pause(seconds: 5)
                        continue
                    }
                    if held == nil { try await resumed(cursor) }
                    if cursor.dropped > 0 { metrics.otlpDropped(signal: sender.signal.rawValue, reason: "retention", count: Int(cursor.dropped)) }
                    held = (max(cursor.exportedThrough, held?.cursor ?? 0), FleetContext.now())
                }
                guard let from = held?.cursor else { continue }
                if let newest = try? await store.settledID(stream) { settled = max(settled, newest) }
                let batch = try await read(after: from, through: settled, limit: exporter.configuration.batchSize, hosts: &hosts)
                guard let through = batch.lastID else {
                    await OTLPSender.pause(seconds: 1)
                    continue
                }
                guard try await store.sendingExport(stream, owner: owner, through: through, until: until) else {
                    held = nil
                    continue
                }
                // Nothing readable to send (profiles that cannot be read, counted): passed over.
                var delivery = OTLPSender.Delivery.done
                if let body = batch.body {
                    delivery = await sender.deliver(body, items: batch.count, retries: &retries) {
                        // A long retry keeps the lease; a lost one ends this batch here.
                        (try? await store.sendingExport(stream, owner: owner, through: through, until: until)) ?? false
                    }
                }
                // Stopped: the items stay in the store, and go out after the restart (or from the server that took over).
                guard delivery == .done else {
                    held = nil
                    continue
                }
                guard try await store.exported(stream, owner: owner, through: through) else {
                    logger.warning("\(what): another server took the cursor over")
                    held = nil
                    continue
                }
                held?.cursor = through
            } catch {
                logger.error("\(what): \(error)")
                held = nil
                await OTLPSender.pause(seconds: 5)
            }
        }
    }

    /// On taking the cursor: the batch a stopped exporter was sending goes again, counted.
    func resumed(_ cursor: ExportCursor) async throws {
        guard cursor.sendingThrough > cursor.exportedThrough else { return }
        // Counted, not read: reading would decode (and count as unreadable) what goes out again.
        let count = try await store.countExport(stream, after: cursor.exportedThrough, through: cursor.sendingThrough)
        logger.info("\(what) resumes after id \(cursor.exportedThrough): \(count) may reach the collector twice")
        metrics.otlpResent(signal: sender.signal.rawValue, count: count)
    }

    /// The hosts' resources, read once each; read again every ten minutes (a host's name or
    /// OS changes when it enrolls again) and bounded in size.
    struct HostCache {
        var hosts: [Int64: OTLPHost] = [:]
        var readAt = FleetContext.now()

        mutating func host(_ id: Int64, _ store: any ServerStore) async throws -> OTLPHost {
            if FleetContext.now() - readAt > 600 || hosts.count > 50_000 {
                hosts = [:]
                readAt = FleetContext.now()
            }
            if let host = hosts[id] { return host }
            // A host's row stays when it is deleted (its history does); never missing but for a damaged database.
            let host = OTLPHost(try await store.host(id: id) ?? HostRecord(id: id, hostIdentifier: "host-\(id)", enrolledAt: 0, lastSeen: 0))
            hosts[id] = host
            return host
        }
    }
}
