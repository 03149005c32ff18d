import Foundation
import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// The lxd_* tables against a real LXD daemon the test starts (Debian's lxd 5.0), in a
/// temporary LXD_DIR: a dir storage pool, a bridge, an image the test builds and
/// imports, a running container with a disk device and one created but never started,
/// and a trusted client certificate. Each table is compared with what the lxc command
/// (another client of the same daemon), the image file, openssl and the kernel
/// (/proc, /sys/class/net, statfs) say.
@Suite(.ownThread, .serialized, .requiresRoot,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/lxd") || ProcessInfo.processInfo.environment["CI"] == "true",
                "needs Debian's lxd (scripts/bootstrap)"))
struct LXDTests {
    static let tables = ["lxd_certificates", "lxd_cluster", "lxd_cluster_members", "lxd_images", "lxd_instances",
                         "lxd_networks", "lxd_storage_pools"]
    static let imageProperties = ["description": "Vigil test image", "os": "vigilos", "release": "1.0", "architecture": "amd64"]

    /// A daemon with a dir pool `vpool` for the default profile's root disk.
    func daemon() throws -> LXDDaemon {
        try requireRoot()
        let d = try LXDDaemon()
        do {
            try d.lxc("storage", "create", "vpool", "dir")
            try d.lxc("profile", "device", "add", "default", "root", "disk", "path=/", "pool=vpool")
        } catch { d.stop(); throw error }
        return d
    }

    /// Rows as "column=value" lines of the columns named, for comparing whole tables.
    func text(_ rows: [[String: SQLValue]], _ columns: [String]) -> [String] {
        rows.map { row in columns.map { "\($0)=\(row[$0]?.text ?? "NULL")" }.joined(separator: " ") }
    }

    @Test func lxdTablesMatchTheLXCCommand() throws {
        let d = try daemon()
        defer { d.stop() }
        let bridge = "vlx" + UUID().uuidString.prefix(6).lowercased()
        // LXD's ipv4.address=auto needs a route to probe: pick a subnet no route uses.
        let routes = try shell(["ip", "-4", "route"])
        let subnet = (0..<50).lazy.map { _ in "10.\(Int.random(in: 200...250)).\(Int.random(in: 1...254))." }
            .first { !routes.contains($0) }!
        try d.lxc("network", "create", bridge, "ipv4.address=\(subnet)1/24", "ipv6.address=none")
        try d.lxc("profile", "device", "add", "default", "eth0", "nic", "network=" + bridge, "name=eth0")
        let tarball = try d.importImage(alias: "vigil-test", properties: Self.imageProperties)
        try d.lxc("init", "vigil-test", "web", "-c", "user.team=vigil")
        try d.lxc("config", "device", "add", "web", "data", "disk", "source=" + d.root, "path=/mnt/host", "readonly=true")
        do { try d.lxc("start", "web") } catch {
            // LXC's own log says why a container did not start.
            throw LXDTestError("\(error)\n\((try? d.lxc("info", "--show-log", "web")) ?? "")")
        }
        try d.lxc("init", "vigil-test", "idle", "--ephemeral")
        _ = try runData(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                         "-keyout", d.root + "/client.key", "-out", d.root + "/client.crt", "-days", "30", "-subj", "/CN=vigil-test"])
        try d.lxc("config", "trust", "add", d.root + "/client.crt", "--name", "vigil-client")
        let db = try Database(tables: LXDAPI.tables(socket: d.socket))

        // lxd_instances: both containers as `lxc list` shows them; the image's properties
        // (the test's own metadata.yaml); the running one's init as /proc has it.
        let fingerprint = String(try shell(["sha256sum", tarball]).prefix(64))
        let listed = try d.list("list").sorted { ($0["name"] as! String) < ($1["name"] as! String) }
        let instances = try db.query("SELECT * FROM lxd_instances ORDER BY name")
        #expect(instances.map { $0["name"]!.string } == ["idle", "web"])
        #expect(listed.map { $0["name"] as! String } == ["idle", "web"])
        for (row, instance) in zip(instances, listed) {
            let state = instance["state"] as! [String: Any]
            #expect(row["status"]?.string == instance["status"] as? String)
            #expect(row["stateful"]?.int == ((instance["stateful"] as? Bool) == true ? 1 : 0))
            #expect(row["ephemeral"]?.int == ((instance["ephemeral"] as? Bool) == true ? 1 : 0))
            #expect(row["created_at"]?.string == instance["created_at"] as? String)
            #expect(row["base_image"]?.string == fingerprint)
            #expect(row["base_image"]?.string == (instance["config"] as? [String: String])?["volatile.base_image"])
            #expect(row["architecture"]?.string == "amd64" && row["os"]?.string == "vigilos")
            #expect(row["description"]?.string == "Vigil test image")
            #expect(row["pid"]?.int == Int64(state["pid"] as! Int))
            #expect(row["processes"]?.int == Int64(state["processes"] as! Int))
        }
        #expect(instances[0]["status"]?.string == "Stopped" && instances[0]["ephemeral"]?.int == 1)
        #expect(instances[1]["status"]?.string == "Running" && instances[1]["ephemeral"]?.int == 0)
        let pid = instances[1]["pid"]!.int
        let cmdline = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        #expect(String(decoding: cmdline, as: UTF8.self) == "/bin/sleep\u{0}100000\u{0}")
        #expect(instances[1]["processes"]?.int == 1)
        // name = is pushed down; an unknown or impossible name matches nothing.
        #expect(try db.query("SELECT name, status FROM lxd_instances WHERE name IN ('web', 'nope', 'a/b')")
            .map { $0["name"]!.string } == ["web"])
        #expect(try db.query("SELECT pid FROM lxd_instances WHERE name = 'web'").first?["pid"]?.int == pid)

        // lxd_instance_config: the instance's own config; lxd_instance_devices: its
        // devices with the profile's, one row per setting but the type.
        let web = listed[1]
        let config = (web["config"] as! [String: String]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        #expect(try db.query("SELECT key, value FROM lxd_instance_config WHERE name = 'web'")
            .map { "\($0["key"]!.string)=\($0["value"]!.string)" } == config)
        #expect(config.contains("user.team=vigil"))
        var devices: [String] = []
        for (device, settings) in web["expanded_devices"] as! [String: [String: String]] {
            for (key, value) in settings where key != "type" { devices.append("\(device) \(settings["type"]!) \(key)=\(value)") }
        }
        let deviceRows = try db.query("SELECT * FROM lxd_instance_devices WHERE name = 'web'")
        #expect(deviceRows.allSatisfy { $0["name"]?.string == "web" })
        #expect(deviceRows.map { "\($0["device"]!.string) \($0["device_type"]!.string) \($0["key"]!.string)=\($0["value"]!.string)" }
            == devices.sorted())
        #expect(devices.contains("data disk readonly=true") && devices.contains("eth0 nic network=\(bridge)")
            && devices.contains("root disk pool=vpool"))
        #expect(try db.query("SELECT * FROM lxd_instance_config WHERE name = 'nope'").isEmpty)
        // name is required, as in osquery.
        #expect(throws: (any Error).self) { try db.query("SELECT * FROM lxd_instance_config") }
        #expect(throws: (any Error).self) { try db.query("SELECT * FROM lxd_instance_devices") }

        // lxd_images: the imported file (its sha256 is LXD's fingerprint, its size the
        // image's) and `lxc image list`.
        let images = try db.query("SELECT * FROM lxd_images")
        let image = try #require(try d.list("image", "list").first)
        try #require(images.count == 1)
        let row = images[0]
        let size = try FileManager.default.attributesOfItem(atPath: tarball)[.size] as! Int
        #expect(row["id"]?.string == fingerprint && image["fingerprint"] as? String == fingerprint)
        #expect(row["size"]?.int == Int64(size) && image["size"] as? Int == size)
        #expect(row["architecture"]?.string == image["architecture"] as? String && row["architecture"]?.string == "x86_64")
        let properties = image["properties"] as! [String: String]
        for column in ["os", "release", "description"] {
            #expect(row[column]?.string == properties[column] && properties[column] == Self.imageProperties[column], "\(column)")
        }
        #expect(row["aliases"]?.string == "vigil-test")
        for column in ["filename", "created_at", "expires_at", "uploaded_at", "last_used_at"] {
            #expect(row[column]?.string == image[column] as? String, "\(column)")
        }
        for column in ["auto_update", "cached", "public"] {
            #expect(row[column]?.int == ((image[column] as? Bool) == true ? 1 : 0), "\(column)")
        }
        // Imported here, not from an image server: no update source.
        #expect(image["update_source"] == nil && row["update_source_server"] == .null && row["update_source_alias"] == .null)
        // id = takes a fingerprint or a prefix of one (any case), and answers with it.
        let prefix = String(fingerprint.prefix(12))
        #expect(try db.query("SELECT id, os FROM lxd_images WHERE id = '\(prefix)'").map { $0["id"]!.string } == [prefix])
        #expect(try db.query("SELECT id FROM lxd_images WHERE id = '\(fingerprint)'").count == 1)
        #expect(try db.query("SELECT id FROM lxd_images WHERE id = '\(prefix.uppercased())'").count == 1)
        #expect(try db.query("SELECT id FROM lxd_images WHERE id IN ('not-hex', '0000000000')").isEmpty)

        // lxd_certificates: `lxc config trust list` and openssl's fingerprint of the file.
        let trusted = try d.list("config", "trust", "list")
        let certificates = try db.query("SELECT * FROM lxd_certificates")
        try #require(certificates.count == 1 && trusted.count == 1)
        let der = try runData(["openssl", "x509", "-in", d.root + "/client.crt", "-outform", "DER"])
        let derFile = d.root + "/client.der"
        try der.write(to: URL(fileURLWithPath: derFile))
        #expect(certificates[0]["fingerprint"]?.string == String(try shell(["sha256sum", derFile]).prefix(64)))
        #expect(certificates[0]["fingerprint"]?.string == trusted[0]["fingerprint"] as? String)
        #expect(certificates[0]["name"]?.string == "vigil-client" && certificates[0]["type"]?.string == "client")
        #expect(certificates[0]["certificate"]?.string == trusted[0]["certificate"] as? String)
        #expect(certificates[0]["certificate"]?.string == (try String(contentsOfFile: d.root + "/client.crt", encoding: .utf8)))
        // fingerprint compares without case, as osquery declares it (collate="nocase"):
        // sha256sum's lowercase digest asked in uppercase still finds the certificate.
        let upper = String(try shell(["sha256sum", derFile]).prefix(64)).uppercased()
        #expect(try db.query("SELECT name FROM lxd_certificates WHERE fingerprint = '\(upper)'").map { $0["name"]?.string } == ["vigil-client"])
        #expect(try db.query("SELECT name FROM lxd_certificates WHERE fingerprint = '\(upper)' COLLATE BINARY").isEmpty)

        // lxd_networks: `lxc network list`, and the bridge's state as the kernel has it.
        let counters = ["bytes_received": "rx_bytes", "bytes_sent": "tx_bytes", "packets_received": "rx_packets", "packets_sent": "tx_packets"]
        func sysfs(_ file: String) throws -> String {
            try String(contentsOfFile: "/sys/class/net/\(bridge)/\(file)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let before = try counters.mapValues { Int64(try sysfs("statistics/" + $0))! }
        let networks = try db.query("SELECT * FROM lxd_networks ORDER BY name")
        let after = try counters.mapValues { Int64(try sysfs("statistics/" + $0))! }
        let networkList = try d.list("network", "list").sorted { ($0["name"] as! String) < ($1["name"] as! String) }
        #expect(networks.map { $0["name"]!.string } == networkList.map { $0["name"] as! String })
        for (row, network) in zip(networks, networkList) {
            let name = network["name"] as! String
            #expect(row["type"]?.string == network["type"] as? String, "\(name)")
            #expect(row["managed"]?.int == ((network["managed"] as? Bool) == true ? 1 : 0), "\(name)")
            let config = network["config"] as? [String: String] ?? [:]
            #expect(row["ipv4_address"]?.string == config["ipv4.address"] ?? "", "\(name)")
            #expect(row["ipv6_address"]?.string == config["ipv6.address"] ?? "", "\(name)")
            let users = (network["used_by"] as? [String] ?? []).map { $0.replacingOccurrences(of: "/1.0/instances/", with: "") }
            // LXD gives used_by in no fixed order (two requests differed in CI): compared as sets.
            #expect(Set((row["used_by"]?.string ?? "").split(separator: ",").map(String.init)) == Set(users), "\(name)")
        }
        let bridgeRow = try #require(networks.first { $0["name"]?.string == bridge })
        #expect(bridgeRow["type"]?.string == "bridge" && bridgeRow["managed"]?.int == 1 && bridgeRow["ipv6_address"]?.string == "none")
        #expect(bridgeRow["ipv4_address"]?.string == "\(subnet)1/24")
        #expect(Set(bridgeRow["used_by"]!.string.split(separator: ",")) == ["/1.0/profiles/default", "web", "idle"])
        #expect(bridgeRow["hwaddr"]?.string == (try sysfs("address")))
        #expect(bridgeRow["mtu"]?.int == Int64(try sysfs("mtu")))
        #expect(bridgeRow["state"]?.string == "up")
        for (column, _) in counters {
            #expect((before[column]!...after[column]!).contains(bridgeRow[column]!.int), "\(column)")
        }

        // lxd_storage_pools: `lxc storage list`, and the pool's filesystem as statfs has
        // it (the dir driver's space and inodes), read before and after.
        let pools = try db.query("SELECT * FROM lxd_storage_pools")
        let poolList = try d.list("storage", "list")
        try #require(pools.count == 1 && poolList.count == 1)
        let source = (poolList[0]["config"] as! [String: String])["source"]!
        #expect(source == d.dir + "/storage-pools/vpool")
        #expect(pools[0]["name"]?.string == "vpool" && pools[0]["driver"]?.string == "dir")
        #expect(pools[0]["source"]?.string == source && pools[0]["size"]?.string == "")
        let fs = try shell(["stat", "-f", "-c", "%b %f %S %c %d", source]).split(separator: " ").map { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        let (blocks, free, blockSize, files, freeFiles) = (fs[0], fs[1], fs[2], fs[3], fs[4])
        #expect(pools[0]["space_total"]?.int == blocks * blockSize)
        #expect(pools[0]["inodes_total"]?.int == files)
        // Used space and inodes move with whatever else writes to this filesystem.
        #expect(abs(pools[0]["space_used"]!.int - (blocks - free) * blockSize) < 256 << 20)
        #expect(abs(pools[0]["inodes_used"]!.int - (files - freeFiles)) < 10_000)

        // A server outside a cluster: lxd_cluster says so, with the settings a joining
        // server would give (`member_config`); it has no members.
        let cluster = try d.query("/1.0/cluster") as! [String: Any]
        let memberConfig = cluster["member_config"] as? [[String: Any]] ?? []
        let clusterRows = try db.query("SELECT * FROM lxd_cluster")
        #expect(clusterRows.count == max(1, memberConfig.count))
        #expect(clusterRows.allSatisfy { $0["server_name"]?.string == "" && $0["enabled"]?.int == 0 })
        #expect(try db.query("SELECT * FROM lxd_cluster_members").isEmpty)
    }

    @Test func clusterTablesOnAClusteredServer() throws {
        let d = try daemon()
        defer { d.stop() }
        // Two pools: a joining server gives a source for each.
        try d.lxc("storage", "create", "vpool2", "dir")
        try d.lxc("config", "set", "core.https_address", "127.0.0.1:\(try TCPListener.freePort())")
        try d.lxc("cluster", "enable", "vnode")
        let db = try Database(tables: LXDAPI.tables(socket: d.socket))

        let cluster = try d.query("/1.0/cluster") as! [String: Any]
        let settings = (cluster["member_config"] as! [[String: Any]]).map { setting in
            ["entity", "name", "key", "value", "description"].map { "member_config_\($0)=\(setting[$0] as? String ?? "")" }.joined(separator: " ")
        }
        #expect(settings.count >= 2)
        let rows = try db.query("SELECT * FROM lxd_cluster")
        #expect(rows.allSatisfy { $0["server_name"]?.string == "vnode" && $0["enabled"]?.int == 1 })
        // LXD lists them in no fixed order.
        #expect(text(rows, ["member_config_entity", "member_config_name", "member_config_key", "member_config_value",
                            "member_config_description"]).sorted() == settings.sorted())

        let members = try d.list("cluster", "list")
        let memberRows = try db.query("SELECT * FROM lxd_cluster_members")
        try #require(members.count == 1 && memberRows.count == 1)
        #expect(memberRows[0]["server_name"]?.string == "vnode" && members[0]["server_name"] as? String == "vnode")
        #expect(memberRows[0]["url"]?.string == members[0]["url"] as? String)
        #expect(memberRows[0]["database"]?.int == ((members[0]["database"] as? Bool) == true ? 1 : 0))
        #expect(memberRows[0]["status"]?.string == members[0]["status"] as? String && memberRows[0]["status"]?.string == "Online")
        #expect(memberRows[0]["message"]?.string == members[0]["message"] as? String)
    }
}

/// Without LXD (no socket at the path), no table has rows, at once; a file there
/// that is no LXD is an error naming it.
@Suite(.ownThread) struct LXDAbsentTests {
    @Test func noLXDMeansNoRowsQuickly() throws {
        let db = try Database(tables: LXDAPI.tables(socket: "/nonexistent/lxd/unix.socket"))
        let start = ContinuousClock.now
        for table in LXDTests.tables { #expect(try db.query("SELECT * FROM \(table)").isEmpty, "\(table)") }
        #expect(try db.query("SELECT * FROM lxd_instance_config WHERE name = 'web'").isEmpty)
        #expect(try db.query("SELECT * FROM lxd_instance_devices WHERE name = 'web'").isEmpty)
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func aSocketThatIsNotLXDIsAClearError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("unix.socket").path
        try Data().write(to: URL(fileURLWithPath: path))  // a plain file, nothing listening
        let db = try Database(tables: LXDAPI.tables(socket: path))
        do {
            _ = try db.query("SELECT * FROM lxd_instances")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("lxd_instances") && "\(error)".contains(path))
        }
    }

    @Test func theDefaultSocketIsOsquerys() {
        #expect(LXDAPI().socket == "/var/lib/lxd/unix.socket")
    }
}
