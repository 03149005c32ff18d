import Foundation
import Testing
import VigilWire
import VigilTestSupport

/// Requests shaped exactly as osquery's TLS plugins send them (osquery's remote.md and
/// plugins/*/tls_*.cpp), decoded by the types the server uses.
@Suite(.ownThread) struct OsqueryRequestTests {
    @Test func enrollAsOsquerySendsIt() throws {
        let body = """
            {"enroll_secret":"s3cret","host_identifier":"web-01","platform_type":"9","host_details":{\
            "os_version":{"_id":"1","build":"","codename":"bookworm","major":"12","minor":"0","name":"Debian GNU/Linux","patch":"0","platform":"debian","platform_like":"","version":"12 (bookworm)"},\
            "osquery_info":{"build_distro":"centos7","build_platform":"linux","config_hash":"","config_valid":"0","extensions":"active","instance_id":"a1","pid":"4242","platform_mask":"9","start_time":"1700000000","uuid":"4C4C4544-0042","version":"5.12.1","watcher":"4241"},\
            "system_info":{"computer_name":"web-01","cpu_brand":"Intel(R) Xeon(R)","cpu_logical_cores":"2","hostname":"web-01","physical_memory":"25769803776","uuid":"4C4C4544-0042"},\
            "platform_info":{"vendor":"SeaBIOS","version":"1.16"}}}
            """
        let r = try WireCoding.decode(EnrollRequest.self, from: Data(body.utf8))
        #expect(r.enrollSecret == "s3cret")
        #expect(r.hostIdentifier == "web-01")
        #expect(r.platformType == "9")
        #expect(r.hostDetails?["system_info"]?["physical_memory"]?.text == "25769803776")
        #expect(r.hostDetails?["os_version"]?["name"]?.text == "Debian GNU/Linux")
    }

    @Test func distributedWriteAcceptsOsqueryVariants() throws {
        // Statuses as numbers; an empty-result query as ""; stats as osquery 5 sends them.
        let body = """
            {"node_key":"k","queries":{"7":[{"pid":"1","name":"systemd"}],"8":""},"statuses":{"7":0,"8":1},\
            "messages":{"8":"no such table: nope"},"stats":{"7":{"wall_time_ms":3,"user_time":1,"system_time":0,"memory":4096}}}
            """
        let w = try WireCoding.decode(DistributedWriteRequest.self, from: Data(body.utf8))
        #expect(w.queries["7"] == [["pid": "1", "name": "systemd"]])
        #expect(w.queries["8"] == [])
        #expect(w.statuses == ["7": 0, "8": 1])
        #expect(w.messages?["8"] == "no such table: nope")
        #expect(w.stats?["7"]?.wallTimeMs == 3)
    }

    @Test func logRequestKeepsLinesAsSent() throws {
        let body = """
            {"node_key":"k","log_type":"result","data":[{"name":"pack_x_y","hostIdentifier":"h","calendarTime":"Sat Nov 21 21:08:51 2026 UTC",\
            "unixTime":1795381731,"epoch":0,"counter":3,"numerics":false,"decorations":{},"columns":{"port":"22"},"action":"added"}]}
            """
        let l = try WireCoding.decode(LogRequest.self, from: Data(body.utf8))
        #expect(l.logType == .result)
        #expect(l.data.first?["columns"]?["port"]?.text == "22")
        #expect(l.data.first?["unixTime"] == .integer(1_795_381_731))
    }

    @Test func readResponseEncodesAsOsqueryReadsIt() throws {
        let json = try WireCoding.encodeString(DistributedReadResponse(queries: ["12": "SELECT 1"], accelerate: 60))
        #expect(json == #"{"accelerate":60,"queries":{"12":"SELECT 1"}}"#)
    }

    @Test func badBodiesSayWhatIsWrong() {
        #expect(throws: WireError.malformed("missing field enroll_secret in the top level")) {
            try WireCoding.decode(EnrollRequest.self, from: Data(#"{"host_identifier":"h"}"#.utf8))
        }
        let big = Data(repeating: 0x20, count: WireCoding.maxBodyBytes + 1)
        #expect(throws: WireError.tooLarge(big.count, limit: WireCoding.maxBodyBytes)) {
            try WireCoding.decode(NodeRequest.self, from: big)
        }
    }
}
