// One simulated agent's keep-alive TLS connection, written on SwiftNIO directly: the
// generator shares the server's two cores, and a request through AsyncHTTPClient cost
// it 0.42 ms of CPU (its pool, its state machines, a Swift Task per request).
import CGzip
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Where requests go: one server, its TLS context and the shared accounting.
struct Target: Sendable {
    let host: String
    let port: Int
    /// The name the certificate is checked against and sent in SNI; nil for an IP
    /// address (not allowed in SNI; NIOSSL checks the certificate against the peer's).
    let serverName: String?
    let ssl: NIOSSLContext
    let stats: Stats

    /// `https://HOST:PORT` (no path).
    init(url: String, ssl: NIOSSLContext, stats: Stats) throws(LaneError) {
        var rest = Substring(url)
        guard rest.hasPrefix("https://") else { throw .badURL(url) }
        rest = rest.dropFirst("https://".count)
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), !rest[..<colon].isEmpty else {
            throw .badURL(url)
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host
        self.port = port
        serverName = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        self.ssl = ssl
        self.stats = stats
    }
}

enum LaneError: Error, CustomStringConvertible {
    case badURL(String)
    case timedOut
    case closed
    case tooLarge
    var description: String {
        switch self {
        case .badURL(let u): "--url takes https://HOST:PORT, not '\(u)'"
        case .timedOut: "request timed out"
        case .closed: "connection closed"
        case .tooLarge: "answer over 8 MiB"
        }
    }
}

/// An answer as the agent reads it: status, body and the ETag (all it uses of the headers).
struct Answer {
    var status: Int
    var body: ByteBuffer
    var etag: String?
}

/// One request waiting for, or on, the connection.
struct Exchange {
    var endpoint: String
    var method: HTTPMethod
    var path: String
    var body: ByteBuffer?
    var gzip: Bool
    var token: String?
    var timeout: TimeAmount
    /// Counted outside the steady window too (enrollment, live-query answers, REST calls).
    var always: Bool
    /// Called with nil on a transport error only: osquery reads the body whatever the
    /// status (401 bodies too); statuses other than 2xx are counted as errors.
    var done: (Answer?) -> Void
    var start = NIODeadline.now()
}

/// A keep-alive connection used one request at a time (HTTP/1.1, as osquery's client),
/// in order. A connection lost or timed out is opened again by the next request.
/// Confined to its event loop: every method runs there, hence @unchecked Sendable.
final class Lane: @unchecked Sendable {
    let loop: EventLoop
    let target: Target
    private var channel: Channel?
    private var connecting = false
    private var queue = CircularBuffer<Exchange>()
    private var current: Exchange?
    private let headers: HTTPHeaders

    init(loop: EventLoop, target: Target) {
        self.loop = loop
        self.target = target
        var h = HTTPHeaders()
        h.add(name: "Host", value: "\(target.host):\(target.port)")
        h.add(name: "User-Agent", value: "osquery/5.12.1")
        headers = h
    }

    func send(_ exchange: Exchange) {
        loop.preconditionInEventLoop()
        queue.append(exchange)
        pump()
    }

    /// From outside the loop (the live query's REST calls).
    func call(_ endpoint: String, path: String, body: ByteBuffer?, method: HTTPMethod = .POST, token: String? = nil) async -> Answer? {
        let promise = loop.makePromise(of: Answer?.self)
        loop.execute {
            self.send(Exchange(endpoint: endpoint, method: method, path: path, body: body, gzip: false, token: token,
                               timeout: .seconds(30), always: true, done: { promise.succeed($0) }))
        }
        return try? await promise.futureResult.get()
    }

    /// The request in flight past its timeout fails and its connection is closed. Called
    /// by a sweep once a second: a timer per request took 5% of the generator's samples
    /// at 5,000 agents (NIO cancels a scheduled task by searching its heap).
    func expire(now: NIODeadline) {
        guard let c = current, now - c.start >= c.timeout else { return }
        drop()
        finish(.failure(LaneError.timedOut))
    }

    /// Forget the connection before failing its request, so that the next request waits
    /// for a new one instead of following a request that was never answered.
    private func drop() {
        channel?.close(promise: nil)
        channel = nil
    }

    /// Expire these lanes' late requests once a second, on their loop.
    static func sweep(_ lanes: [Lane], on loop: EventLoop) {
        loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let now = NIODeadline.now()
            for lane in lanes { lane.expire(now: now) }
        }
    }

    func close() {
        loop.preconditionInEventLoop()
        queue.removeAll()
        channel?.close(promise: nil)
    }

    private func pump() {
        guard current == nil, !queue.isEmpty else { return }
        guard let channel, channel.isActive else {
            if !connecting { connect() }
            return
        }
        var exchange = queue.removeFirst()
        var head = HTTPRequestHead(version: .http1_1, method: exchange.method, uri: exchange.path, headers: headers)
        if let token = exchange.token { head.headers.add(name: "Authorization", value: "Bearer \(token)") }
        var body: ByteBuffer?
        if var b = exchange.body {
            head.headers.add(name: "Content-Type", value: "application/json")
            if exchange.gzip, let compressed = Self.gzip(&b, allocator: channel.allocator) {
                head.headers.add(name: "Content-Encoding", value: "gzip")
                b = compressed
            }
            head.headers.add(name: "Content-Length", value: String(b.readableBytes))
            body = b
        }
        exchange.body = nil
        current = exchange
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    private func connect() {
        connecting = true
        let target = target
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                do {
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(NIOSSLClientHandler(context: target.ssl, serverHostname: target.serverName))
                    try ops.addHTTPClientHandlers()
                    try ops.addHandler(AnswerHandler(lane: self))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(host: target.host, port: target.port)
            .whenComplete { [self] result in
                connecting = false
                switch result {
                case .success(let c):
                    channel = c
                    pump()
                case .failure(let error):
                    // Every waiting request fails as osquery's would; the next one connects again.
                    let waiting = queue
                    queue.removeAll()
                    for e in waiting { report(e, .failure(error)) }
                }
            }
    }

    // From AnswerHandler, on the loop.

    func answered(_ answer: Answer, keepAlive: Bool, on channel: Channel) {
        guard channel === self.channel, current != nil else { return }
        if !keepAlive { drop() }
        finish(.success(answer))
    }

    func failed(_ error: any Error, on channel: Channel) {
        guard channel === self.channel else { return }
        drop()
        if current != nil { finish(.failure(error)) } else { pump() }
    }

    func closed(_ channel: Channel) {
        guard channel === self.channel else { return }
        self.channel = nil
        if current != nil { finish(.failure(LaneError.closed)) } else { pump() }
    }

    private func finish(_ result: Result<Answer, any Error>) {
        guard let exchange = current else { return }
        current = nil
        report(exchange, result)
        pump()
    }

    private func report(_ exchange: Exchange, _ result: Result<Answer, any Error>) {
        let micros = UInt32(clamping: (NIODeadline.now() - exchange.start).nanoseconds / 1000)
        switch result {
        case .success(let answer):
            let ok = (200..<300).contains(answer.status)
            target.stats.record(exchange.endpoint, micros: micros, error: ok ? nil : "http \(answer.status)", always: exchange.always)
            exchange.done(answer)
        case .failure(let error):
            target.stats.record(exchange.endpoint, micros: micros, error: String(String(describing: error).prefix(80)), always: exchange.always)
            exchange.done(nil)
        }
    }

    static func gzip(_ body: inout ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        let bound = Int(compressBound(uLong(body.readableBytes))) + 32
        var out = allocator.buffer(capacity: bound)
        let n = body.withUnsafeReadableBytes { input in
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { o in
                max(0, fleet_load_gzip(input.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt(input.count),
                                       o.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt(o.count)))
            }
        }
        return n > 0 ? out : nil
    }
}

/// Collects one answer at a time and hands it to its lane.
final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let lane: Lane
    private var status = 0
    private var etag: String?
    private var keepAlive = true
    private var body: ByteBuffer?

    init(lane: Lane) { self.lane = lane }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            etag = head.headers.first(name: "ETag")
            keepAlive = head.isKeepAlive
            body = nil
        case .body(var part):
            if body == nil {
                body = part
            } else if body!.readableBytes + part.readableBytes > 8 << 20 {
                lane.failed(LaneError.tooLarge, on: context.channel)
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            let answer = Answer(status: status, body: body ?? ByteBuffer(), etag: etag)
            body = nil
            lane.answered(answer, keepAlive: keepAlive, on: context.channel)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lane.failed(error, on: context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        lane.closed(context.channel)
        context.fireChannelInactive()
    }
}
