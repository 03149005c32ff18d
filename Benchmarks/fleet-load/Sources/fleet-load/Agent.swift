// One simulated agent: enrolls, then on its event loop's scheduled tasks fetches its
// config, posts result logs and telemetry, reads (or holds a read for) live queries and
// answers them. No Swift Task per request: a request's answer schedules the next step.
import Foundation
import NIOCore
import NIOHTTP1

/// What every agent shares.
struct Fleet: Sendable {
    let options: Options
    let targets: [Target]
    let live: LiveTracker
    let enrolled: Counter
}

/// Confined to its event loop (every method runs there), hence @unchecked Sendable.
final class Agent: @unchecked Sendable {
    let index: Int
    let id: String
    let held: Bool
    let fleet: Fleet
    let loop: EventLoop
    /// Enroll, config, logs, telemetry, and an osquery agent's reads and writes.
    let main: Lane
    /// A Vigil agent's held-open read (and its answers), on a connection of its own, as
    /// the agent holds it: config and logs do not wait behind a 25 s read.
    let wait: Lane?

    private var key = ""
    private var enrolling = false
    private var afterEnroll: [() -> Void] = []
    private var stopped = false
    private var nextConfig = NIODeadline.now(), nextLog = NIODeadline.now(), nextRead = NIODeadline.now()
    private var nextTelemetry = NIODeadline.distantFuture
    private var accelerateUntil = NIODeadline.now()
    private var etag: String?
    private var counter: Int64 = 0, reports: Int64 = 0

    init(index: Int, held: Bool, fleet: Fleet, loop: EventLoop) {
        self.index = index
        id = Self.hostIdentifier(index)
        self.held = held
        self.fleet = fleet
        self.loop = loop
        let target = fleet.targets[index % fleet.targets.count]
        main = Lane(loop: loop, target: target)
        wait = held ? Lane(loop: loop, target: target) : nil
    }

    var options: Options { fleet.options }

    static func hostIdentifier(_ index: Int) -> String { String(format: "load-%05d", index + 1) }

    func start(after delay: Double) {
        loop.scheduleTask(in: Self.amount(delay)) { [self] in
            enroll(first: true) { [self] in begin() }
        }
    }

    func stop() {
        stopped = true
        main.close()
        wait?.close()
    }

    private func send(_ lane: Lane, _ endpoint: String, _ path: String, _ body: ByteBuffer, timeout: TimeAmount = .seconds(30),
                      always: Bool = false, gzip: Bool = false, then: @escaping (Answer?) -> Void) {
        guard !stopped else { return }
        lane.send(Exchange(endpoint: endpoint, method: .POST, path: path, body: body, gzip: gzip, token: nil, timeout: timeout,
                           always: always, done: then))
    }

    private func later(_ seconds: Double, _ work: @escaping () -> Void) {
        let box = UncheckedBox(work)
        loop.scheduleTask(in: Self.amount(seconds)) { box.value() }
    }

    static func amount(_ seconds: Double) -> TimeAmount { .milliseconds(Int64(max(0, seconds) * 1000)) }

    // MARK: Enrollment

    /// Enroll until it works (osquery retries with backoff); `then` runs with the new key.
    /// A second caller while enrolling waits for the same enrollment.
    private func enroll(first: Bool, then: @escaping () -> Void) {
        afterEnroll.append(then)
        guard !enrolling else { return }
        enrolling = true
        attempt(first: first, backoff: 1)
    }

    private func attempt(first: Bool, backoff: Double) {
        let body = Wire.json(EnrollRequest(enrollSecret: options.secret!, hostIdentifier: id,
                                           hostDetails: HostTemplates.details(index: index, hostIdentifier: id, vigil: held)))
        send(main, "enroll", Paths.enroll, body, always: true) { [self] answer in
            if let answer, let key = Wire.decode(EnrollResponse.self, answer.body)?.nodeKey, !key.isEmpty {
                self.key = key
                enrolling = false
                if first { fleet.enrolled.add() }
                let waiting = afterEnroll
                afterEnroll = []
                for w in waiting { w() }
            } else {
                later(backoff * Double.random(in: 0.5...1.5)) { [self] in attempt(first: first, backoff: min(backoff * 2, 30)) }
            }
        }
    }

    /// A node_invalid answer: enroll again, then carry on.
    private func reenroll(then: @escaping () -> Void) { enroll(first: false, then: then) }

    // MARK: The periodic requests

    private func begin() {
        let now = NIODeadline.now()
        // Config at once after enrolling (as osquery does), then every configEvery; logs and
        // reads at a random phase within their period; telemetry (Vigil agents only) too.
        nextConfig = now
        nextLog = now + Self.amount(Double.random(in: 0..<options.logEvery))
        nextRead = now + Self.amount(Double.random(in: 0..<options.readEvery))
        if held && options.telemetryEvery > 0 { nextTelemetry = now + Self.amount(Double.random(in: 0..<options.telemetryEvery)) }
        accelerateUntil = now
        if held { holdRead() }
        schedule()
    }

    private func schedule() {
        guard !stopped else { return }
        let next = held ? min(nextConfig, nextLog, nextTelemetry) : min(nextConfig, nextLog, nextRead)
        loop.scheduleTask(deadline: next) { [self] in tick() }
    }

    private func tick() {
        let now = NIODeadline.now()
        if now >= nextConfig {
            nextConfig = now + Self.amount(options.configEvery)
            send(main, "config", Paths.config, Wire.nodeBody(key, etag: etag)) { [self] a in
                if let a {
                    if Wire.invalid(a.body) { return reenroll { [self] in schedule() } }
                    if options.etag, let tag = a.etag { etag = tag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                }
                schedule()
            }
        } else if now >= nextLog {
            nextLog = now + Self.amount(options.logEvery)
            counter += 1
            let body = LogTemplate.batch(key: key, index: index, id: id, counter: counter)
            send(main, "log", Paths.log, body, gzip: options.gzipLogs) { [self] a in afterPost(a) }
        } else if now >= nextTelemetry {
            reports += 1
            nextTelemetry = now + Self.amount(options.telemetryEvery)
            let body = Wire.json(TelemetryReport(nodeKey: key, tables: TelemetryTemplate.tables(index: index, counter: reports)))
            // gzip, as the Vigil agent sends it.
            send(main, "telemetry", Paths.telemetry, body, gzip: true) { [self] a in afterPost(a) }
        } else if !held, now >= nextRead {
            let every = now < accelerateUntil ? min(5, options.readEvery) : options.readEvery
            nextRead = now + Self.amount(every)
            send(main, "distributed/read", Paths.read, Wire.nodeBody(key)) { [self] a in
                guard let a, a.body != Wire.emptyRead else { return schedule() }
                if Wire.invalid(a.body) { return reenroll { [self] in schedule() } }
                guard let r = Wire.decode(ReadResponse.self, a.body) else { return schedule() }
                if let s = r.accelerate, s > 0 { accelerateUntil = .now() + .seconds(Int64(s)) }
                if let q = r.queries, !q.isEmpty { return answer(q, key: key, on: main) { [self] in schedule() } }
                schedule()
            }
        } else {
            schedule()
        }
    }

    private func afterPost(_ a: Answer?) {
        if let a, Wire.invalid(a.body) { return reenroll { [self] in schedule() } }
        schedule()
    }

    // MARK: Live queries

    /// A Vigil agent's held-open read, again as soon as it ends.
    private func holdRead() {
        guard let wait, !stopped else { return }
        let body = Wire.json(WaitRequest(nodeKey: key, wait: options.heldWait))
        send(wait, "distributed/wait", Paths.wait, body, timeout: .seconds(Int64(options.heldWait) + 30)) { [self] a in held(a) }
    }

    /// What a held read (or a write-and-read) answered: hold again, or answer first.
    private func held(_ a: Answer?) {
        guard let wait else { return }
        guard let a else { return later(Double.random(in: 1...5)) { [self] in holdRead() } }
        if a.body == Wire.emptyRead { return holdRead() }
        if Wire.invalid(a.body) { return reenroll { [self] in holdRead() } }
        if let q = Wire.decode(ReadResponse.self, a.body)?.queries, !q.isEmpty {
            if options.writeWait { return answerAndHold(q, key: key, on: wait) }
            return answer(q, key: key, on: wait) { [self] in holdRead() }
        }
        holdRead()
    }

    /// A Vigil agent's write-and-read: the answers and the next held read in one request.
    /// Its reply comes only with the next read, so it sets no "last write" time: the
    /// server's own count of answers is the measure.
    private func answerAndHold(_ queries: [String: String], key: String, on lane: Lane) {
        let body = Wire.json(WriteRequest(nodeKey: key, queries: queries.mapValues { _ in [["host": id]] }, statuses: queries.mapValues { _ in 0 },
                                          wait: options.heldWait))
        send(lane, "distributed/write+wait", Paths.writeWait, body, timeout: .seconds(Int64(options.heldWait) + 30), always: true) { [self] a in held(a) }
    }

    /// Answer live queries: one row naming this host per query.
    private func answer(_ queries: [String: String], key: String, on lane: Lane, then: @escaping () -> Void) {
        let body = Wire.json(WriteRequest(nodeKey: key, queries: queries.mapValues { _ in [["host": id]] }, statuses: queries.mapValues { _ in 0 }))
        send(lane, "distributed/write", Paths.write, body, always: true) { [self] a in
            if a != nil {
                for campaign in queries.keys { fleet.live.answered(campaign) }
            }
            then()
        }
    }
}

/// A closure carried into a scheduled task on the loop that owns what it touches.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
