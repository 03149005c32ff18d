import Foundation
import Testing
import VigilSQL
import VigilTestSupport

/// Tables over the /etc databases and the resolver, against getent and the files.
@Suite(.ownThread) struct EtcDatabasesTests {
    @Test func servicesMatchGetent() throws {
        let rows = try query("SELECT name, port, protocol, aliases FROM etc_services")
        let ours = Set(rows.map { "\($0["name"]!.string) \($0["port"]!.int)/\($0["protocol"]!.string) \($0["aliases"]!.string)".trimmingCharacters(in: .whitespaces) })
        // getent services: "name  port/proto alias..."
        let theirs = Set(try shell(["getent", "services"]).split(separator: "\n").map {
            $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        })
        #expect(!ours.isEmpty)
        #expect(ours == theirs, "only ours: \(ours.subtracting(theirs).sorted().prefix(5)); only getent's: \(theirs.subtracting(ours).sorted().prefix(5))")
    }

    @Test func protocolsMatchGetent() throws {
        let rows = try query("SELECT name, number, alias FROM etc_protocols")
        let theirs = try shell(["getent", "protocols"]).split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        #expect(rows.count == theirs.count)
        for (row, fields) in zip(rows, theirs) {
            #expect(row["name"]?.string == fields[0])
            #expect(row["number"]?.int == Int64(fields[1]))
            #expect(row["alias"]?.string == (fields.count > 2 ? fields[2] : ""))
        }
    }

    @Test(.requiresRoot) func shadowMatchesGetent() throws {
        try requireRoot()
        let rows = try query("SELECT * FROM shadow")
        let lines = try shell(["getent", "shadow"]).split(separator: "\n").map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == lines.count)
        for f in lines {
            let row = try #require(rows.first { $0["username"]?.string == f[0] })
            #expect(row["last_change"]?.int == (Int64(f[2]) ?? -1))
            #expect(row["max"]?.int == (Int64(f[4]) ?? -1))
            let status = row["password_status"]!.string
            if f[1].hasPrefix("$") { #expect(status == "active" && row["hash_alg"]?.string == String(f[1].split(separator: "$")[0])) }
            if f[1] == "*" || f[1] == "!" { #expect(status == "locked") }
        }
        #expect(try query("SELECT username FROM shadow WHERE username = 'root'").count == 1)
    }

    @Test func ulimitsMatchProcSelfLimits() throws {
        // This process answers the query, so its own /proc/self/limits is the ground truth.
        let limits = try String(contentsOfFile: "/proc/self/limits", encoding: .utf8)
        let rows = try query("SELECT * FROM ulimit_info")
        #expect(rows.count == 16)
        let names = ["nofile": "Max open files", "stack": "Max stack size", "core": "Max core file size", "nproc": "Max processes"]
        for (type, label) in names {
            let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix(label) })
            let fields = line.dropFirst(label.count).split(separator: " ")
            let row = try #require(rows.first { $0["type"]?.string == type })
            #expect(row["soft_limit"]?.string == String(fields[0]), "\(type)")
            #expect(row["hard_limit"]?.string == String(fields[1]), "\(type)")
        }
    }

    @Test func namespacesMatchProcLinks() throws {
        // The test's own process: pid 1's links may be unreadable even to root (a
        // sandbox's init, or ptrace rules), which the table rightly leaves out.
        let pid = getpid()
        let row = try #require(try query("SELECT * FROM process_namespaces WHERE pid = \(pid)").first)
        for kind in ["net", "mnt", "pid", "user", "uts", "ipc", "cgroup"] {
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
            #expect(link == "\(kind):[\(row["\(kind)_namespace"]!.string)]")
        }
    }

    @Test func resolversMatchResolvConf() throws {
        guard let text = try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) else { return }
        let servers = text.split(separator: "\n").filter { $0.hasPrefix("nameserver") }.map { String($0.split(separator: " ", omittingEmptySubsequences: true)[1]) }
        let rows = try query("SELECT address FROM dns_resolvers WHERE type = 'nameserver' ORDER BY id")
        #expect(rows.map { $0["address"]!.string } == servers)
    }

    @Test(.requiresRoot) func knownHostsOfRoot() throws {
        try requireRoot()
        let ssh = "/root/.ssh", path = ssh + "/known_hosts"
        guard !FileManager.default.fileExists(atPath: path) else {
            // A real file is left alone: its lines must be the rows.
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(try query("SELECT key FROM known_hosts WHERE uid = 0 AND key_file = '\(path)'").count == lines.count)
            return
        }
        let createdDir = !FileManager.default.fileExists(atPath: ssh)
        if createdDir { try FileManager.default.createDirectory(atPath: ssh, withIntermediateDirectories: false) }
        defer { try? FileManager.default.removeItem(atPath: path); if createdDir { try? FileManager.default.removeItem(atPath: ssh) } }
        try "# comment\nexample.com,192.0.2.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm1Q5vVg6oZC3eD3m0mXoZyq2S6l8o1kO0Vnq4uKc9y\n\n|1|aGFzaA==|c2FsdA== ecdsa-sha2-nistp256 AAAAE2VjZHNh\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let rows = try query("SELECT * FROM known_hosts WHERE uid = 0")
        #expect(rows.map { $0["key"]!.string } == ["example.com,192.0.2.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm1Q5vVg6oZC3eD3m0mXoZyq2S6l8o1kO0Vnq4uKc9y",
                                                  "|1|aGFzaA==|c2FsdA== ecdsa-sha2-nistp256 AAAAE2VjZHNh"])
        #expect(rows.allSatisfy { $0["key_file"]?.string == path })
    }
}
