import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// osquery's SQL functions, checked against known values and independent tools
/// (coreutils' digests and base64, Python's hashlib for community IDs).
@Suite(.ownThread) struct OsqueryFunctionTests {
    let db: Database
    init() throws { db = try Database(tables: []) }

    func value(_ sql: String) throws -> SQLValue {
        try #require(db.query("SELECT " + sql + " AS v").first?["v"])
    }

    func error(_ sql: String) -> String? {
        do { _ = try db.query("SELECT " + sql); return nil } catch { return "\(error)" }
    }

    /// Standard output of a shell pipeline (the ground truth tools).
    func sh(_ script: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func splitCutsAtAnyTokenDropsEmptiesAndTrims() throws {
        #expect(try value("split('192.168.0.1', '.', 1)") == "168")
        #expect(try value("split('192.168.0.1', '.0', 0)") == "192")
        #expect(try value("split('a, b ,,c', ',', 1)") == "b")
        #expect(try value("split('a,b', ',', 5)") == .null)
        #expect(try value("split(NULL, ',', 0)") == .null)
        #expect(error("split('a', '', 0)")?.contains("Invalid input to split function") == true)
    }

    @Test func regexSplitAndMatch() throws {
        #expect(try value("regex_split('192.168.0.1', '\\.0', 0)") == "192.168")
        #expect(try value("regex_split('a1b22c', '[0-9]+', 2)") == "c")
        #expect(try value("regex_match('abc123def', '([0-9]+)', 1)") == "123")
        #expect(try value("regex_match('abc123def', '[a-z]+', 0)") == "abc")
        #expect(try value("regex_match('abc', '[0-9]', 0)") == .null)
        #expect(try value("'kworker/0:1' REGEXP '^kworker/[0-9]+'") == 1)
        #expect(try value("'bash' REGEXP '^kworker'") == 0)
        #expect(error("regex_match('a', '(', 0)")?.contains("Invalid regex") == true)
        #expect(error("regex_match('a', '\(String(repeating: "a", count: 300))', 0)")?.contains("too big") == true)
    }

    @Test func concatSkipsNulls() throws {
        #expect(try value("concat('a', NULL, 'b', 1)") == "ab1")
        #expect(try value("concat_ws('-', 'a', NULL, 'b')") == "a-b")
        #expect(try value("concat_ws(', ', 'x', 'y', 'z')") == "x, y, z")
    }

    @Test func base64MatchesCoreutils() throws {
        let text = "Vigil: osquery's SQL, unchanged!"
        let expected = try sh("printf '%s' \"\(text)\" | base64 -w0")
        #expect(try value("to_base64('\(text.replacingOccurrences(of: "'", with: "''"))')") == .text(expected))
        #expect(try value("from_base64('\(expected)')") == .text(text))
        #expect(try value("conditional_to_base64('plain text')") == "plain text")
        #expect(try value("conditional_to_base64(char(1, 2))") == .text(try sh("printf '\\001\\002' | base64")))
        #expect(try value("from_base64('not base64!')") == "")
    }

    @Test func digestsMatchCoreutils() throws {
        for (function, tool) in [("md5", "md5sum"), ("sha1", "sha1sum"), ("sha256", "sha256sum")] {
            let expected = try sh("printf 'osquery' | \(tool) | cut -d' ' -f1")
            #expect(try value("\(function)('osquery')") == .text(expected), "\(function)")
        }
        // Numbers are hashed as their text, as osquery does.
        #expect(try value("md5(42)") == .text(try sh("printf 42 | md5sum | cut -d' ' -f1")))
    }

    @Test func inetAtonAndCIDR() throws {
        #expect(try value("inet_aton('192.168.0.1')") == 3_232_235_521)
        #expect(try value("inet_aton('::1')") == .null)
        #expect(try value("inet_aton('not an address')") == .null)
        #expect(try value("in_cidr_block('10.0.0.0/8', '10.1.2.3')") == 1)
        #expect(try value("in_cidr_block('10.0.0.0/8', '11.0.0.1')") == 0)
        // boost's hosts(): not the network or broadcast address below /31.
        #expect(try value("in_cidr_block('10.0.0.0/8', '10.0.0.0')") == 0)
        #expect(try value("in_cidr_block('10.0.0.0/8', '10.255.255.255')") == 0)
        #expect(try value("in_cidr_block('192.168.1.7/32', '192.168.1.7')") == 1)
        #expect(try value("in_cidr_block('2001:db8::/32', '2001:db8:1::5')") == 1)
        #expect(try value("in_cidr_block('2001:db8::/32', '2001:db9::5')") == 0)
        #expect(error("in_cidr_block('10.0.0.0/8', 'x')")?.contains("IP address cannot be parsed") == true)
        #expect(error("in_cidr_block('10.0.0.0', '10.0.0.1')")?.contains("CIDR for IP address v4 cannot be parsed") == true)
    }

    /// The spec's own example flow (TCP 128.232.110.120:34855 → 66.35.250.204:80), and
    /// others computed independently with Python's hashlib from the spec's recipe.
    @Test func communityIDMatchesTheSpec() throws {
        #expect(try value("community_id_v1('128.232.110.120', '66.35.250.204', 34855, 80, 6)") == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        // Direction does not matter.
        #expect(try value("community_id_v1('66.35.250.204', '128.232.110.120', 80, 34855, 6)") == "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")
        let python = """
            import base64, hashlib, ipaddress, struct, sys
            def cid(s, d, sp, dp, proto, seed=0):
                a, b = ipaddress.ip_address(s).packed, ipaddress.ip_address(d).packed
                if not (a < b or (a == b and sp < dp)):
                    a, b, sp, dp = b, a, dp, sp
                data = struct.pack('!H', seed) + a + b + struct.pack('!BB', proto, 0) + struct.pack('!HH', sp, dp)
                return '1:' + base64.b64encode(hashlib.sha1(data).digest()).decode()
            print(cid('10.0.0.2', '10.0.0.1', 53, 40000, 17))
            print(cid('fe80::1', 'fe80::2', 443, 51000, 6, 7))
            """
        let expected = try sh("python3 -c \"\(python.replacingOccurrences(of: "\"", with: "\\\""))\"").split(separator: "\n").map(String.init)
        #expect(try value("community_id_v1('10.0.0.2', '10.0.0.1', 53, 40000, 17)") == .text(expected[0]))
        #expect(try value("community_id_v1('fe80::1', 'fe80::2', 443, 51000, 6, 7)") == .text(expected[1]))
        // Bad input: NULL from community_id_v1, an error from the strict form.
        #expect(try value("community_id_v1('x', '10.0.0.1', 1, 2, 6)") == .null)
        #expect(error("community_id_v1_strict('10.0.0.1', '10.0.0.2', 70000, 2, 6)")?.contains("ports must fit in 2 bytes") == true)
    }

    @Test func mathFollowsOsquery() throws {
        #expect(try value("sqrt(16)") == 4.0)
        #expect(try value("log(exp(2))") == 2.0)  // natural log, unlike SQLite's base-10 log(x)
        #expect(try value("log10(1000)") == 3.0)
        #expect(try value("power(2, 10)") == 1024.0)
        #expect(try value("ceil(1.2)") == 2)  // an integer, not 2.0
        #expect(try value("floor(-1.5)") == -2)
        #expect(try value("ceil(7)") == 7)
        #expect(try value("degrees(pi())") == 180.0)
        #expect(try value("round(radians(180), 6)") == 3.141593)
        #expect(try value("sqrt(NULL)") == .null)
        #expect(error("sqrt(-1)")?.contains("out of domain") == true)
        #expect(error("log(0)")?.contains("out of range") == true)
    }

    @Test func pathFunctions() throws {
        #expect(try value("parent_directory('/etc/ssh/sshd_config')") == "/etc/ssh")
        #expect(try value("parent_directory('/etc')") == "")
        #expect(try value("parent_directory('name')") == .null)
        #expect(error("parent_directory(1)")?.contains("TEXT was expected") == true)
        #expect(try value("find_file_path_in_cmd('/bin/sh -c \"sleep 1\"')") == "/bin/sh")
        #expect(try value("find_file_path_in_cmd('/no/such/program --flag')") == "")
        #expect(try value("is_path_deterministic('/bin/sh -c true')") == 1)
        // "/tmp/vigil dir/prog" and "/tmp/vigil" both exist: two readings.
        let dir = "/tmp/vigil-fn-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + " x", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir, contents: Data())
        FileManager.default.createFile(atPath: dir + " x/prog", contents: Data())
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: dir + " x") }
        #expect(try value("is_path_deterministic('\(dir) x/prog')") == 0)
        #expect(try value("find_file_path_in_cmd('\(dir) x/prog')") == .text(dir))
    }
}
