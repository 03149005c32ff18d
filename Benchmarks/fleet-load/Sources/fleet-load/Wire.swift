// The osquery TLS API's messages as a simulated agent sends and reads them. Its own small
// Codable structs (field names as osquery and Vigil send them), not the main package's
// VigilWire: that keeps this package free of the agent's tracer and libbpf targets.
import Foundation
import NIOCore

/// Bodies in and out, as ByteBuffers (what the lanes send and receive).
enum Wire {
    static func json<T: Encodable>(_ value: T) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONEncoder().encode(value)) ?? Data("{}".utf8))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) -> T? {
        try? JSONDecoder().decode(type, from: Data(body.readableBytesView))
    }

    /// `{"node_key":…}` (and the config's ETag), written directly: the generator shares the
    /// server's two cores, so its own cost per request is kept small. Keys and ETags are
    /// hex, nothing to escape.
    static func nodeBody(_ key: String, etag: String? = nil) -> ByteBuffer {
        guard let etag else { return ByteBuffer(string: #"{"node_key":"\#(key)"}"#) }
        return ByteBuffer(string: #"{"node_key":"\#(key)","etag":"\#(etag)"}"#)
    }

    /// Whether an answer says the node key is unknown; most answers are not read at all.
    static func invalid(_ body: ByteBuffer) -> Bool {
        body.readableBytesView.firstRange(of: invalidMarker) != nil && decode(NodeAnswer.self, body)?.nodeInvalid == true
    }
    static let invalidMarker = Array("node_invalid".utf8)
    /// The answer to nearly every poll: nothing to do, nothing to decode.
    static let emptyRead = ByteBuffer(string: #"{"queries":{}}"#)
}

enum Paths {
    static let enroll = "/api/v1/osquery/enroll"
    static let config = "/api/v1/osquery/config"
    static let log = "/api/v1/osquery/log"
    static let read = "/api/v1/osquery/distributed/read"
    static let write = "/api/v1/osquery/distributed/write"
    static let wait = "/api/v1/vigil/distributed/wait"
    static let writeWait = "/api/v1/vigil/distributed/write"
    static let telemetry = "/api/v1/vigil/telemetry"
    static let login = "/api/v1/login"
    static let runQuery = "/api/v1/queries/run"
}

struct EnrollRequest: Encodable {
    var enrollSecret: String
    var hostIdentifier: String
    var platformType = "9"
    var hostDetails: [String: [String: String]]
    enum CodingKeys: String, CodingKey {
        case enrollSecret = "enroll_secret", hostIdentifier = "host_identifier", platformType = "platform_type", hostDetails = "host_details"
    }
}

struct EnrollResponse: Decodable {
    var nodeKey: String?
    var nodeInvalid: Bool?
    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", nodeInvalid = "node_invalid" }
}

struct WaitRequest: Encodable {
    var nodeKey: String
    var wait: Int
    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", wait }
}

/// One line of osquery's result log (differential, "added").
struct ResultLine: Encodable {
    var name: String
    var hostIdentifier: String
    var calendarTime: String
    var unixTime: Int64
    var epoch: Int64 = 0
    var counter: Int64
    var numerics = false
    var decorations: [String: String]
    var action = "added"
    var columns: [String: String]
}

struct LogRequest: Encodable {
    var nodeKey: String
    var logType = "result"
    var data: [ResultLine]
    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", logType = "log_type", data }
}

struct WriteRequest: Encodable {
    var nodeKey: String
    var queries: [String: [[String: String]]]
    var statuses: [String: Int]
    /// Vigil's write-and-read: how long the read that follows may be held.
    var wait: Int? = nil
    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", queries, statuses, wait }
}

/// Any answer to a node-key call: only `node_invalid` matters to the agent.
struct NodeAnswer: Decodable {
    var nodeInvalid: Bool?
    enum CodingKeys: String, CodingKey { case nodeInvalid = "node_invalid" }
}

struct ReadResponse: Decodable {
    var queries: [String: String]?
    var accelerate: Int?
    var nodeInvalid: Bool?
    enum CodingKeys: String, CodingKey { case queries, accelerate, nodeInvalid = "node_invalid" }
}

struct LoginResponse: Decodable { var token: String }
struct RunQueryRequest: Encodable {
    var sql: String
    var hostIdentifiers: [String]
    enum CodingKeys: String, CodingKey { case sql, hostIdentifiers = "host_identifiers" }
}
struct RunQueryResponse: Decodable {
    var campaignID: Int64
    enum CodingKeys: String, CodingKey { case campaignID = "campaign_id" }
}
struct CampaignResponse: Decodable {
    var counts: [String: Int]
    var done: Bool
}

/// A few differential result lines, as osquery's scheduled queries produce them.
enum LogTemplate {
    static func batch(key: String, index: Int, id: String, counter: Int64) -> ByteBuffer {
        let unix = Int64(Date().timeIntervalSince1970)
        let calendar = calendarTime(unix)
        let decorations = ["host_uuid": HostTemplates.uuid(index, salt: 0xA5A5), "hostname": id + ".fleet.example"]
        var lines: [ResultLine] = []
        let n = 2 + Int(counter % 3)
        for j in 0..<n {
            let pid = String(1000 + (index * 7 + Int(counter) * 13 + j) % 60000)
            let columns: [String: String]
            switch j % 3 {
            case 0: columns = ["pid": pid, "port": String(1024 + (Int(counter) + j) % 40000), "protocol": "6", "address": "0.0.0.0"]
            case 1: columns = ["pid": pid, "name": "python3", "path": "/usr/bin/python3.11", "cmdline": "python3 /opt/app/worker.py --id \(counter)", "uid": "1000"]
            default: columns = ["target_path": "/etc/app/conf.d/\(counter).yaml", "action": "UPDATED", "time": String(unix), "md5": ""]
            }
            let name = ["pack/net/listening_ports", "pack/proc/processes", "pack/fim/file_events"][j % 3]
            lines.append(ResultLine(name: name, hostIdentifier: id, calendarTime: calendar, unixTime: unix, counter: counter,
                                    decorations: decorations, columns: columns))
        }
        return Wire.json(LogRequest(nodeKey: key, data: lines))
    }
}

/// osquery's calendarTime: "Sun Dec  6 00:50:00 2026 UTC".
func calendarTime(_ unix: Int64) -> String {
    var t = time_t(unix)
    var parts = tm()
    gmtime_r(&t, &parts)
    var buffer = [CChar](repeating: 0, count: 64)
    let n = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y UTC", &parts)
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A Vigil agent's telemetry report: rows of its own tables, column → text.
struct TelemetryReport: Encodable {
    var nodeKey: String
    var tables: [String: [[String: String]]]
    enum CodingKeys: String, CodingKey { case nodeKey = "node_key", tables }
}

/// What a real agent's report holds every 10 s (the columns of vigil_telemetry,
/// vigil_schedule, vigil_events and vigil_outputs): one new point, the schedule's five
/// queries with their costs so far, its event tables' and output's counters.
enum TelemetryTemplate {
    static let queries = ["processes", "listening_ports", "users", "crontab", "os_version"]

    static func tables(index: Int, counter: Int64) -> [String: [[String: String]]] {
        let now = Int64(Date().timeIntervalSince1970)
        let point: [String: String] = [
            "time": String(now), "pid": String(1000 + index % 30000), "cpu_percent": String(format: "%.2f", Double((index + Int(counter)) % 50) / 100),
            "resident_size": String(24_000_000 + (index % 97) * 40_960), "threads": "9", "queries_run": String(counter * 2),
        ]
        let schedule: [[String: String]] = queries.enumerated().map { j, name in
            let runs = counter / Int64(j + 1) + 1
            return [
                "name": name, "query": "SELECT * FROM \(name)", "interval": String(60 * (j + 1)), "executions": String(runs),
                "last_executed": String(now - Int64(j * 7)), "denylisted": "0", "output_size": String(runs * 1_200),
                "wall_time": String(runs / 100), "wall_time_ms": String(runs * Int64(3 + j)), "last_wall_time_ms": String(3 + j),
                "user_time": String(runs * 2), "last_user_time": "2", "system_time": String(runs), "last_system_time": "1",
                "average_memory": "1048576", "last_memory": "0", "pack": "", "denylisted_until": "0", "denylist_reason": "", "last_error": "",
            ]
        }
        let events: [[String: String]] = ["process_events", "socket_events", "file_events"].map {
            ["name": $0, "active": "1", "events": String(counter * 40), "lost_in_kernel": "0", "dropped_overflow": "0", "expired": String(counter * 30),
             "buffered": "1200", "capacity": "50000", "expiry": "3600"]
        }
        let outputs: [[String: String]] = [[
            "name": "filesystem", "delivered_records": String(counter * 3), "delivered_bytes": String(counter * 900), "pending_records": "0",
            "dropped_records": "0", "last_error": "", "last_delivery": String(now),
        ]]
        return ["vigil_telemetry": [point], "vigil_schedule": schedule, "vigil_watchdog": [], "vigil_events": events, "vigil_outputs": outputs]
    }
}

/// Host details as osquery sends them at enrollment, from a few Linux templates.
enum HostTemplates {
    struct OS { var name, version, major, minor, platform, like, codename: String }
    static let systems: [OS] = [
        OS(name: "Ubuntu", version: "22.04.4 LTS (Jammy Jellyfish)", major: "22", minor: "4", platform: "ubuntu", like: "debian", codename: "jammy"),
        OS(name: "Debian GNU/Linux", version: "12 (bookworm)", major: "12", minor: "0", platform: "debian", like: "", codename: "bookworm"),
        OS(name: "Red Hat Enterprise Linux", version: "9.4 (Plow)", major: "9", minor: "4", platform: "rhel", like: "fedora", codename: ""),
        OS(name: "Amazon Linux", version: "2023", major: "2023", minor: "0", platform: "amzn", like: "fedora", codename: ""),
    ]
    static let cpus = ["Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "AMD EPYC 7R13 Processor", "Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz"]

    static func uuid(_ index: Int, salt: UInt64) -> String {
        var x = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 ^ salt
        var hex = ""
        for _ in 0..<2 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            hex += String(x, radix: 16).leftPadded(16)
        }
        let c = Array(hex.uppercased())
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }

    static func details(index: Int, hostIdentifier: String, vigil: Bool) -> [String: [String: String]] {
        let os = systems[index % systems.count]
        let cpu = cpus[index % cpus.count]
        let hostUUID = uuid(index, salt: 0xA5A5)
        let memory = [4, 8, 16, 32, 64][index % 5] * 1_073_741_824
        var d: [String: [String: String]] = [
            "os_version": [
                "name": os.name, "version": os.version, "major": os.major, "minor": os.minor, "patch": "0", "build": "",
                "platform": os.platform, "platform_like": os.like, "codename": os.codename, "arch": "x86_64",
            ],
            "osquery_info": [
                "pid": String(1000 + index % 30000), "uuid": hostUUID, "instance_id": uuid(index, salt: 0x1234),
                "version": "5.12.1", "config_hash": "", "config_valid": "0", "extensions": "active",
                "build_platform": "linux", "build_distro": "centos7", "start_time": "1764979200", "watcher": "900", "platform_mask": "9",
            ],
            "system_info": [
                "hostname": hostIdentifier + ".fleet.example", "uuid": hostUUID, "cpu_type": "x86_64", "cpu_subtype": "106",
                "cpu_brand": cpu, "cpu_physical_cores": "4", "cpu_logical_cores": "8", "cpu_microcode": "0xd0003a5",
                "physical_memory": String(memory), "hardware_vendor": "Amazon EC2", "hardware_model": "m6i.2xlarge",
                "hardware_version": "", "hardware_serial": "ec2" + hostUUID.prefix(8).lowercased(), "board_vendor": "Amazon EC2",
                "board_model": "", "board_version": "", "board_serial": "", "computer_name": hostIdentifier,
                "local_hostname": hostIdentifier,
            ],
            "platform_info": [
                "vendor": "Amazon EC2", "version": "1.0", "date": "10/16/2017", "revision": "1.0", "extra": "",
                "firmware_type": "uefi", "address": "0xe8000", "size": "64 KB", "volume_size": "0",
            ],
        ]
        if vigil { d["vigil_info"] = ["version": "0.1.0"] }
        return d
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
