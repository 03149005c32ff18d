import Foundation
import Hummingbird
import VigilProfileFormats
import VigilSystem
import VigilServerStore
import VigilWire

/// A profile an agent took of itself on request, uploaded.
extension OsqueryEndpoints {
    func profileUpload(_ request: Request) async throws -> Response {
        let body = try await HTTPJSON.decode(ProfileUpload.self, request)
        guard let host = try await authenticate(body.nodeKey) else { return Self.invalid("unknown node key") }
        var pprof: [UInt8]?
        if let text = body.pprof {
            guard let data = Data(base64Encoded: text) else { throw HTTPError(.badRequest, message: "pprof is not base64") }
            // A pprof file is gzip: refuse anything else rather than serve it back as one.
            guard data.count > 2, data[data.startIndex] == 0x1f, data[data.startIndex + 1] == 0x8b else {
                throw HTTPError(.badRequest, message: "pprof is not gzip")
            }
            pprof = Array(data)
        }
        if body.continuous == true {
            guard let pprof else { throw HTTPError(.badRequest, message: "a continuous profile needs its pprof") }
            // (The OTLP export reads it from the store, durably.)
            let id = try await fleet.store.storeContinuousProfile(hostID: host.id, pprof: pprof, seconds: Int(body.seconds ?? 0), at: FleetContext.now())
            return HTTPJSON.response(["profile_id": id])
        }
        let error = body.error ?? (pprof == nil ? "the agent sent no profile" : nil)
        guard try await fleet.store.storeProfile(id: body.id, hostID: host.id, pprof: pprof, report: body.report.map { String($0.prefix(1 << 20)) },
                                                 samples: body.samples, error: error, at: FleetContext.now()) else {
            throw HTTPError(.notFound, message: "no profile \(body.id) was asked of this host")
        }
        return HTTPJSON.raw(OsqueryEndpoints.ack)
    }
}

/// Profiles in the REST API: ask a host for one, list them, download one.
extension APIEndpoints {
    var profileRoutes: [APIRoute] {
        [
            APIRoute(method: .post, path: "/api/v1/hosts/{id}/profiles", summary: "Ask a Vigil agent for a CPU profile of itself (no restart)", role: .admin,
                     body: "{\"seconds\": integer (default 30), \"frequency\": integer (default 99)}") { r, c in try await requestProfile(r, c) },
            APIRoute(method: .post, path: "/api/v1/server/profiles", summary: "Profile this server for a while (Velociraptor's Server.Monitor.Profile)", role: .admin,
                     body: "{\"seconds\": integer (default 30, at most \(ServerProfiler.maxSeconds)), \"frequency\": integer (default 99)}",
                     responses: ["409": "A profile of this server is still being taken"]) { r, _ in
                let body = try await profileBody(r)
                return HTTPJSON.response(["profile_id": try await fleet.serverProfiler.start(seconds: body.seconds ?? 30, frequency: body.frequency ?? 99)])
            },
            APIRoute(method: .get, path: "/api/v1/server/profiles", summary: "This server's profiles of itself, newest first", role: .observer) { _, _ in
                let records = try await fleet.store.serverProfiles(server: fleet.serverProfiler.serverName)
                return HTTPJSON.response(["profiles": JSONValue.array(records.map(Self.view))])
            },
            APIRoute(method: .get, path: "/api/v1/hosts/{id}/profiles", summary: "A host's profiles, newest first", role: .observer) { _, c in
                try await requireHost(try Self.id(c))
                let records = try await fleet.store.profiles(hostID: try Self.id(c))
                return HTTPJSON.response(["profiles": JSONValue.array(records.map(Self.view))])
            },
            APIRoute(method: .get, path: "/api/v1/profiles/{id}", summary: "One profile: state, samples, the agent's memory and threads report", role: .observer) { _, c in
                guard let record = try await fleet.store.profile(id: try Self.id(c), withData: false) else { return HTTPJSON.error(.notFound, "no such profile") }
                return HTTPJSON.response(Self.view(record))
            },
            APIRoute(method: .get, path: "/api/v1/profiles/{id}/stream",
                     summary: "A profile's state as server-sent events (`state`), until it is done or failed", role: .observer) { _, c in
                try await profileStream(try Self.id(c))
            },
            APIRoute(method: .get, path: "/api/v1/profiles/{id}/pprof", summary: "The profile as a gzip pprof file (go tool pprof reads it)", role: .observer) { _, c in
                guard let record = try await fleet.store.profile(id: try Self.id(c), withData: true), let pprof = record.pprof else {
                    return HTTPJSON.error(.notFound, "no such profile, or it is not done")
                }
                var headers = HTTPFields()
                headers[.contentDisposition] = "attachment; filename=\"vigil-profile-\(record.id).pb.gz\""
                return HTTPJSON.raw(Data(pprof), headers: headers, contentType: "application/octet-stream")
            },
            APIRoute(method: .get, path: "/api/v1/profiles/{id}/folded", summary: "The profile as folded stacks (flamegraph.pl, inferno, speedscope)", role: .observer) { _, c in
                let (record, stacks) = try await rendered(c)
                var headers = HTTPFields()
                headers[.contentDisposition] = "attachment; filename=\"vigil-profile-\(record.id).folded\""
                return HTTPJSON.raw(Data(FoldedWriter.render(stacks).utf8), headers: headers, contentType: "text/plain; charset=utf-8")
            },
            APIRoute(method: .get, path: "/api/v1/profiles/{id}/svg",
                     summary: "The profile as an interactive flame graph (SVG); with baseline, a differential one against that earlier profile of the same host",
                     role: .observer, query: ["baseline"]) { r, c in
                let (record, stacks) = try await rendered(c)
                var options = FlameGraphSVG.Options()
                options.title = "\(try await profiled(record)): \(record.seconds) s of CPU"
                let baseline = try Self.integer(r, "baseline", in: 0...Int64.max, default: -1)
                if baseline >= 0 {
                    let (base, baseStacks) = try await self.stacks(profileID: baseline)
                    guard base.hostID == record.hostID, base.server == record.server else {
                        throw HTTPError(.badRequest, message: "profile \(baseline) is not of the same host as profile \(record.id)")
                    }
                    options.baseline = baseStacks
                    options.title = "\(try await profiled(record)): profile \(record.id) against \(baseline) (red grew, blue shrank)"
                }
                var headers = HTTPFields()
                headers[.contentDisposition] = "attachment; filename=\"vigil-profile-\(record.id).svg\""
                // The graph's own script (zoom, search) may run, but only in a sandbox of
                // its own origin: names in it come from a host.
                headers[.contentSecurityPolicy] = "sandbox allow-scripts; default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
                let svg = FlameGraphSVG.render(stacks, options: options)
                return HTTPJSON.raw(Data(svg.utf8), headers: headers, contentType: "image/svg+xml")
            },
        ]
    }

    /// A stored profile's stacks, read from its pprof (inflated within a bound: it came from a host).
    func rendered(_ context: FleetRequestContext) async throws -> (ProfileRecord, NamedStacks) {
        try await stacks(profileID: try Self.id(context))
    }

    /// A stored profile's stacks, read from its pprof (inflated within a bound: it came from a host).
    func stacks(profileID: Int64) async throws -> (ProfileRecord, NamedStacks) {
        guard let record = try await fleet.store.profile(id: profileID, withData: true), let pprof = record.pprof else {
            throw HTTPError(.notFound, message: "no profile \(profileID), or it is not done")
        }
        do {
            let bytes = try Gzip.decompress([UInt8](pprof), limit: 256 << 20)
            return (record, try PprofReader.stacks(bytes))
        } catch {
            throw HTTPError(.unprocessableContent, message: "profile \(record.id) cannot be read: \(error)")
        }
    }

    /// Each change of a profile's state as an event, polled once a second (a read by
    /// primary key) for at most ten minutes; the stream ends when it is done or failed.
    func profileStream(_ id: Int64) async throws -> Response {
        guard try await fleet.store.profile(id: id, withData: false) != nil else { return HTTPJSON.error(.notFound, "no such profile") }
        let store = fleet.store, streams = fleet.streams
        let body = ResponseBody { writer in
            var last: ProfileRecord.State?
            let deadline = ContinuousClock.now + .seconds(600)
            while ContinuousClock.now < deadline && !streams.isClosed {
                guard let record = try await store.profile(id: id, withData: false) else { break }
                let ended = record.state == .done || record.state == .failed
                if record.state != last {
                    last = record.state
                    try await writer.write(ByteBuffer(string: "event: state\ndata: \(try WireCoding.encodeString(Self.view(record)))\n\n"))
                } else {
                    // A comment, so that a browser that has left is noticed by the failed write.
                    try await writer.write(ByteBuffer(string: ": waiting\n\n"))
                }
                if ended { break }
                await streams.pause(seconds: 1)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// What a profile is of: the host's identifier, or the server's name.
    func profiled(_ record: ProfileRecord) async throws -> String {
        if let server = record.server { return "server \(server)" }
        return try await fleet.store.host(id: record.hostID)?.hostIdentifier ?? "?"
    }

    static func view(_ p: ProfileRecord) -> JSONValue {
        .object([
            "server": p.server.map(JSONValue.string) ?? .null,
            "id": .integer(p.id), "host_id": .integer(p.hostID), "seconds": .integer(Int64(p.seconds)), "frequency": .integer(Int64(p.frequency)),
            "state": .string(p.state.rawValue), "requested_at": .integer(p.requestedAt), "done_at": p.doneAt.map(JSONValue.integer) ?? .null,
            "samples": p.samples.map { .integer(Int64($0)) } ?? .null, "report": p.report.map(JSONValue.string) ?? .null,
            "error": p.error.map(JSONValue.string) ?? .null,
        ])
    }

    struct ProfileBody: Decodable { var seconds: Int?; var frequency: Int? }

    /// A profile request's body; none asks for the defaults, and a body that is not this JSON is refused.
    func profileBody(_ request: Request) async throws -> ProfileBody {
        let data = try await HTTPJSON.body(request)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return ProfileBody() }
        do { return try WireCoding.decode(ProfileBody.self, from: data) } catch {
            throw HTTPError(.badRequest, message: "the body is {\"seconds\": integer, \"frequency\": integer}: \(error)")
        }
    }

    func requestProfile(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let body = try await profileBody(request)
        let profile = try await startProfile(hostID: try Self.id(context), seconds: body.seconds ?? 30, frequency: body.frequency ?? 99)
        return HTTPJSON.response(["profile_id": profile])
    }

    /// Check the host and the numbers, store the request and wake the host's held read
    /// (the web UI's "Profile this agent" asks here too).
    func startProfile(hostID id: Int64, seconds: Int, frequency: Int) async throws -> Int64 {
        guard let host = try await fleet.store.host(id: id) else { throw HTTPError(.notFound, message: "no such host") }
        guard host.agent == "vigil" else { throw HTTPError(.badRequest, message: "\(host.hostIdentifier) runs osquery, which cannot profile itself on request") }
        guard (1...ProfileRequest.maxSeconds).contains(seconds), (1...1000).contains(frequency) else {
            throw HTTPError(.badRequest, message: "seconds is 1 to \(ProfileRequest.maxSeconds), frequency 1 to 1000 Hz")
        }
        let profile = try await fleet.store.requestProfile(hostID: id, seconds: seconds, frequency: frequency, at: FleetContext.now())
        try await fleet.store.announceWork(hostIDs: [id])
        return profile
    }
}
