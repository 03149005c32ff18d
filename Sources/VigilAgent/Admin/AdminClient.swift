import Glibc
import VigilSQL
import VigilSystem

/// What went wrong talking to the agent, said so a person knows what to do.
public enum AdminClientError: Error, CustomStringConvertible, Sendable {
    /// Nothing listens at the socket (missing, or left by a dead worker).
    case noAgent(dataDirectory: String, socket: String)
    case notPermitted(String)
    /// The agent answered with an error status.
    case agent(kind: String, message: String, offset: Int?)
    case connection(String)
    case malformed(String)
    /// `stop` said to give up (Ctrl-C in the shell); the connection was closed.
    case interrupted

    public var description: String {
        switch self {
        case .noAgent(let dir, let socket): return "no agent at \(socket): is `vigil agent --data-dir \(dir)` running?"
        case .notPermitted(let why): return why
        case .agent(_, let message, _): return message
        case .connection(let why): return "connection to the agent lost: \(why)"
        case .malformed(let why): return "unexpected answer from the agent: \(why)"
        case .interrupted: return "interrupted"
        }
    }

    /// The error as SQLite's, when it was one (for the caret under the SQL).
    public var sqlError: SQLError? {
        if case .agent("sql", let message, let offset) = self { return SQLError(code: 1, message: message, offset: offset) }
        return nil
    }
}

/// One request to a running agent's admin socket; the response lines are handed to
/// `handle` as they arrive (rows stream), and the status line ends it.
public struct AdminClient: Sendable {
    public let dataDirectory: String
    public var socketPath: String { AdminProtocol.socketPath(dataDirectory: dataDirectory) }

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }

    /// Send `request` (a JSON object), pass each response line but the status to
    /// `handle`, and throw if the status is an error. `idleSeconds` bounds the wait
    /// for each line (the agent serves one client at a time, so it includes waiting
    /// for another client's request to end). `stop` is asked every 100 ms while waiting:
    /// true hangs up, which the agent takes as the end of the request (it interrupts a
    /// query whose client left).
    public func send(_ request: String, idleSeconds: Double = 120, stop: () -> Bool = { false },
                     handle: (AdminJSON) throws(AdminClientError) -> Void) throws(AdminClientError) {
        let socket: UnixSocket
        do { socket = try UnixSocket.connect(to: socketPath) } catch {
            switch error.errno {
            case ENOENT, ECONNREFUSED, ENOTDIR: throw .noAgent(dataDirectory: dataDirectory, socket: socketPath)
            case EACCES, EPERM:
                throw .notPermitted("permission denied: \(socketPath) is the agent's alone (mode 0600 in a 0700 directory); run as root or as the user the agent runs as")
            default: throw .connection("\(error)")
            }
        }
        // The server must be as trusted as the agent: whoever else listens there (a
        // socket planted in a directory they could write) would read the SQL and
        // answer with rows of their choosing.
        let server: (pid: Int32, uid: UInt32)
        do { server = try socket.peerCredentials() } catch { throw .connection("\(error)") }
        guard server.uid == 0 || server.uid == geteuid() else {
            throw .notPermitted("refusing \(socketPath): it is served by uid \(server.uid) (pid \(server.pid)), not by root or this user (uid \(geteuid()))")
        }
        // A refused peer is answered and closed before its request is read, so a
        // failed send is reported only if no answer is waiting either.
        var sendFailure: AdminClientError?
        do {
            try socket.send(Array((request + "\n").utf8), idle: 10_000_000_000)
        } catch {
            sendFailure = .connection("cannot send the request (\(error))")
        }
        while true {
            let line: [UInt8]
            do {
                line = try socket.readLine(limit: Int.max, deadline: Clock.monotonicNanoseconds() + Int64(idleSeconds * 1e9), stop: stop)
            } catch {
                if let sendFailure { throw sendFailure }
                switch error {
                case .stopped: throw .interrupted
                case .closed: throw .connection("the agent closed the connection before answering (it may have stopped)")
                case .timedOut: throw .connection("no answer for \(Int(idleSeconds)) s")
                default: throw .connection("\(error)")
                }
            }
            let json: AdminJSON
            do { json = try AdminJSON.parse(line) } catch { throw .malformed("\(error)") }
            if let status = json["status"]?.string {
                if status == "ok" { return }
                let kind = json["kind"]?.string ?? "request"
                let message = json["message"]?.string ?? "(no message)"
                if kind == "permission" { throw .notPermitted(message) }
                throw .agent(kind: kind, message: message, offset: json["offset"]?.integer.map(Int.init))
            }
            try handle(json)
        }
    }

    /// `{"op":"query","sql":…}`.
    public static func queryRequest(_ sql: String) -> String { "{\"op\":\"query\",\"sql\":\(JSON.string(sql))}" }

    /// Table name → CREATE statement, as the agent has them.
    public func tableSchemas() throws(AdminClientError) -> [String: String] {
        var out: [String: String] = [:]
        try send("{\"op\":\"tables\"}") { (line: AdminJSON) throws(AdminClientError) in
            if let name = line["table"]?.string { out[name] = line["schema"]?.string ?? "" }
        }
        return out
    }

    /// A CPU profile of the worker: gzip'd pprof bytes, the memory and threads report, samples.
    public func profile(seconds: Double, frequency: UInt64) throws(AdminClientError) -> (pprof: [UInt8], report: String, samples: Int) {
        var pprof: [UInt8]?
        var report = ""
        var samples = 0
        try send("{\"op\":\"profile\",\"seconds\":\(seconds),\"frequency\":\(frequency)}", idleSeconds: seconds + 120) { (line: AdminJSON) throws(AdminClientError) in
            if let text = line["pprof"]?.string {
                guard let bytes = Base64.decode(text) else { throw .malformed("the profile is not base64") }
                pprof = bytes
            }
            if let text = line["report"]?.string { report = text }
            if let n = line["samples"]?.integer { samples = Int(n) }
        }
        guard let pprof else { throw .malformed("no profile in the answer") }
        return (pprof, report, samples)
    }
}
