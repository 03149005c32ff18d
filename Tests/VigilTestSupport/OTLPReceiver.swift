import Foundation
import VigilWire

/// scripts/otlp-receiver.py, run from the venv scripts/bootstrap makes: an OTLP/HTTP
/// receiver that decodes every request with opentelemetry-proto's classes and writes what
/// it decoded (protobuf's JSON mapping, snake_case names) as a JSON line.
public final class OTLPReceiver: @unchecked Sendable {
    public static let python = ProcessInfo.processInfo.environment["VIGIL_OTLP_PYTHON"]
        ?? FileManager.default.currentDirectoryPath + "/.build/otlp-venv/bin/python"
    public static let script = FileManager.default.currentDirectoryPath + "/scripts/otlp-receiver.py"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: python) || ProcessInfo.processInfo.environment["CI"] == "true" }

    public let port: UInt16
    let out: String
    let pid: pid_t

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// On `port` (a free one by default); `fail`: the first requests of each path answered 503;
    /// `reject`: every accepted request answered with a partial success refusing that many items.
    public init(port: UInt16? = nil, fail: Int = 0, reject: Int = 0) throws {
        self.port = try port ?? TCPListener.freePort()
        out = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-otlp-\(UUID().uuidString).jsonl").path
        pid = try spawnClean(["/bin/sh", "-c", "exec '\(Self.python)' '\(Self.script)' --port \(self.port) --out '\(out)' --fail \(fail) --reject \(reject) 2>'\(out).err'"])
        // Up to 30 s: a machine busy with a full test run can be slow to start Python.
        for _ in 0..<300 where !FileManager.default.fileExists(atPath: out + ".ready") { usleep(100_000) }
        guard FileManager.default.fileExists(atPath: out + ".ready") else {
            stop()
            throw Failure(description: "the OTLP receiver did not start: \((try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? "")")
        }
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// Each request it took or refused: {"path", "headers", "message"} or {"path", "error"}.
    public var requests: [JSONValue] {
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? WireCoding.decode(JSONValue.self, from: Data($0.utf8)) }
    }

    public func messages(_ path: String) -> [JSONValue] { requests.filter { $0["path"]?.string == path }.compactMap { $0["message"] } }
    public var errors: [String] { requests.compactMap { $0["error"]?.string } }
    public var stderr: String { (try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? "" }

    public func stop() {
        kill(pid, SIGTERM)
        // Waited for at most 5 s, then killed: a receiver stuck in its shutdown must not
        // hold the test (this runs on the tests' executor).
        var status: Int32 = 0
        for _ in 0..<50 where waitpid(pid, &status, WNOHANG) == 0 { usleep(100_000) }
        if kill(pid, 0) == 0 {
            kill(pid, SIGKILL)
            reap(pid)
        }
        for suffix in ["", ".ready", ".err"] { try? FileManager.default.removeItem(atPath: out + suffix) }
    }
}

/// Reading protobuf's JSON mapping of OTLP messages.
public enum OTLPJSON {
    /// An AnyValue as plain JSON: {"string_value": "x"} is "x", a kvlist an object.
    public static func value(_ v: JSONValue?) -> JSONValue {
        guard let o = v?.object, let (key, inner) = o.first else { return .null }
        switch key {
        case "string_value": return inner
        case "bool_value": return inner
        case "int_value": return .integer(Int64(inner.text) ?? 0)
        case "double_value": return .double(Double(inner.text) ?? .nan)
        case "array_value": return .array((inner["values"]?.array ?? []).map { value($0) })
        case "kvlist_value": return .object(attributes(inner["values"]))
        default: return .string("unexpected \(key)")
        }
    }

    /// A list of KeyValue as an object.
    public static func attributes(_ list: JSONValue?) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for kv in list?.array ?? [] { out[kv["key"]?.string ?? ""] = value(kv["value"]) }
        return out
    }

    /// The members `key` (arrays) of each of `items`, joined.
    public static func children(_ items: [JSONValue], _ key: String) -> [JSONValue] { items.flatMap { $0[key]?.array ?? [] } }

    /// 64-bit integers are strings in the JSON mapping.
    public static func int(_ v: JSONValue?) -> Int64? { v.flatMap { Int64($0.text) } }
    public static func uint(_ v: JSONValue?) -> UInt64? { v.flatMap { UInt64($0.text) } }
}

extension JSONValue {
    /// An array's element, nil past its end or when this is not an array.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
}
