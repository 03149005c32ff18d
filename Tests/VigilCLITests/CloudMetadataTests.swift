import Foundation
import Glibc
import Testing
import VigilTestSupport

/// The cloud metadata tables against an HTTP server the test starts at the real
/// link-local address, 169.254.169.254:80, inside a network namespace of its own
/// (the address on its loopback), serving the paths and headers each cloud
/// documents: EC2's IMDSv2 (a PUT for a session token, then GETs that must carry
/// it), Azure's compute document (only with `Metadata: true`), Yandex Cloud's
/// GCE-style document (only with `Metadata-Flavor: Google`). `vigil query` runs in
/// that namespace; what it answers is compared with the documents served.
@Suite(.ownThread, .serialized, .requiresRoot) struct CloudMetadataTests {
    static let identity: [String: String] = [
        "instanceId": "i-0abc123def4567890", "instanceType": "t3.micro", "privateIp": "10.0.0.12",
        "availabilityZone": "eu-west-1b", "region": "eu-west-1", "accountId": "123456789012",
        "architecture": "x86_64", "imageId": "ami-0123456789abcdef0",
    ]
    static let azure: [String: String] = [
        "location": "westeurope", "name": "vigil-vm", "offer": "debian-12", "publisher": "Debian", "sku": "12-gen2",
        "version": "0.20240211.1654", "osType": "Linux", "platformUpdateDomain": "0", "platformFaultDomain": "1",
        "vmId": "02aab8a4-74ef-476e-8182-f6d2ba4166a6", "vmSize": "Standard_B1s", "subscriptionId": "8d10da13-8125-4ba9-a717-bf7490507b3d",
        "resourceGroupName": "vigil-rg", "placementGroupId": "", "vmScaleSetName": "", "zone": "2",
        "tags": "env:test;owner:vigil:team",
    ]
    /// Yandex Cloud's document (JSON text: nested objects).
    static let ycloud = """
    {"id": "fhm1a2b3c4d5e6f7g8h9", "name": "vigil-yc", "description": "test vm", "hostname": "vigil-yc.ru-central1.internal",
     "zone": "projects/b1g1slgali4fssudpn26/zones/ru-central1-a", "vendor": {"folderId": "b1gfolder", "cloudId": "b1gcloud"},
     "attributes": {"ssh-keys": "vigil:ssh-ed25519 AAAAC3Nz vigil", "serial-port-enable": "1"}}
    """

    /// The metadata service: documents as JSON on the command line, the port 80.
    static let server = """
    import http.server, json, sys
    ident, azure, yc = (json.loads(a) for a in sys.argv[1:4])
    TOKEN = 'vigil-imds-token'
    EC2 = {
        'dynamic/instance-identity/document': json.dumps(ident),
        'meta-data/iam/info': json.dumps({'Code': 'Success', 'InstanceProfileArn': 'arn:aws:iam::123456789012:instance-profile/vigil'}),
        'meta-data/mac': '0a:1b:2c:3d:4e:5f',
        'meta-data/local-hostname': 'ip-10-0-0-12.eu-west-1.compute.internal',
        'meta-data/public-keys/0/openssh-key': 'ssh-ed25519 AAAAC3Nz vigil\\n',
        'meta-data/reservation-id': 'r-0123456789abcdef0',
        'meta-data/security-groups': 'web\\nssh-in\\n',
        'meta-data/tags/instance': 'Name\\nteam',
        'meta-data/tags/instance/Name': 'web-1',
        'meta-data/tags/instance/team': 'vigil',
    }
    class H(http.server.BaseHTTPRequestHandler):
        def answer(self, code, body=''):
            b = body.encode(); self.send_response(code)
            self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
        def do_PUT(self):
            if self.path == '/latest/api/token' and self.headers.get('X-aws-ec2-metadata-token-ttl-seconds'):
                return self.answer(200, TOKEN)
            self.answer(400)
        def do_GET(self):
            if self.path.startswith('/latest/'):
                if self.headers.get('X-aws-ec2-metadata-token') != TOKEN: return self.answer(401)
                body = EC2.get(self.path[len('/latest/'):])
                return self.answer(200, body) if body is not None else self.answer(404)
            if self.path == '/metadata/instance/compute?api-version=2018-02-01':
                return self.answer(200, json.dumps(azure)) if self.headers.get('Metadata') == 'true' else self.answer(400)
            if self.path == '/computeMetadata/v1/instance/?alt=json&recursive=true':
                return self.answer(200, json.dumps(yc)) if self.headers.get('Metadata-Flavor') == 'Google' else self.answer(403)
            self.answer(404)
        def log_message(self, *a): pass
    http.server.HTTPServer(('169.254.169.254', 80), H).serve_forever()
    """

    /// A network namespace with only its loopback up, 169.254.169.254 on it when
    /// `address`, and the metadata server listening there when `serve`.
    final class Namespace {
        let name = "vigil-cloud-\(UInt32.random(in: 0..<1_000_000))"
        var server: Process?

        init(address: Bool, serve: Bool, dropped: Bool = false) throws {
            try ip("netns", "add", name)
            try ip("-n", name, "link", "set", "lo", "up")
            if address { try ip("-n", name, "addr", "add", "169.254.169.254/32", "dev", "lo") }
            if dropped {
                // Packets to the service vanish, as on a network that drops them: only a timeout ends a connect.
                let r = try CLI.run(["netns", "exec", name, "iptables", "-A", "INPUT", "-d", "169.254.169.254", "-p", "tcp", "-j", "DROP"],
                                    executable: "/usr/sbin/ip")
                try #require(r.status == 0, "iptables: \(r.stderr)")
            }
            guard serve else { return }
            let json = { (v: Any) in String(decoding: try JSONSerialization.data(withJSONObject: v), as: UTF8.self) }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            p.arguments = ["netns", "exec", name, "python3", "-c", CloudMetadataTests.server,
                           try json(CloudMetadataTests.identity), try json(CloudMetadataTests.azure), CloudMetadataTests.ycloud]
            try p.run()
            server = p
            // Wait until it answers (curl in the namespace retries a refused connection).
            _ = try CLI.run(["netns", "exec", name, "curl", "-s", "--retry", "50", "--retry-connrefused", "--retry-delay", "0",
                             "-o", "/dev/null", "http://169.254.169.254/none"], executable: "/usr/sbin/ip", timeout: 30)
        }

        func ip(_ arguments: String...) throws {
            let r = try CLI.run(arguments, executable: "/usr/sbin/ip")
            try #require(r.status == 0, "ip \(arguments.joined(separator: " ")): \(r.stderr)")
        }

        /// `vigil query -f json SQL` in this namespace; with `azureAgentLog`, in a mount
        /// namespace whose /var/log (a tmpfs) holds waagent.log, the Azure agent's log.
        func query(_ sql: String, azureAgentLog: Bool = false) throws -> (rows: [[String: Any]], seconds: Double) {
            var command = ["ip", "netns", "exec", name, CLI.binary, "query", "-f", "json", sql]
            if azureAgentLog {
                command = ["unshare", "--mount", "sh", "-c", "mount -t tmpfs vigil /var/log && : > /var/log/waagent.log && exec \"$@\"", "sh"] + command
            }
            let start = Date()
            let r = try CLI.run(command, executable: "/usr/bin/env", timeout: 60)
            let seconds = Date().timeIntervalSince(start)
            try #require(r.status == 0, "\(sql): \(r.stderr)")
            return ((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? [], seconds)
        }

        deinit {
            if let server { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
            _ = try? CLI.run(["netns", "delete", name], executable: "/usr/sbin/ip")
        }
    }

    @Test func ec2MetadataAndTagsThroughIMDSv2() throws {
        try requireRoot()
        let ns = try Namespace(address: true, serve: true)
        let rows = try ns.query("SELECT * FROM ec2_instance_metadata").rows
        try #require(rows.count == 1)
        let row = rows[0]
        for (column, key) in [("instance_id", "instanceId"), ("instance_type", "instanceType"), ("local_ipv4", "privateIp"),
                              ("availability_zone", "availabilityZone"), ("region", "region"), ("account_id", "accountId"),
                              ("architecture", "architecture"), ("ami_id", "imageId")] {
            #expect(row[column] as? String == Self.identity[key], "\(column)")
        }
        #expect(row["iam_arn"] as? String == "arn:aws:iam::123456789012:instance-profile/vigil")
        #expect(row["mac"] as? String == "0a:1b:2c:3d:4e:5f")
        #expect(row["local_hostname"] as? String == "ip-10-0-0-12.eu-west-1.compute.internal")
        #expect(row["ssh_public_key"] as? String == "ssh-ed25519 AAAAC3Nz vigil")
        #expect(row["reservation_id"] as? String == "r-0123456789abcdef0")
        #expect(row["security_groups"] as? String == "web,ssh-in")
        let tags = try ns.query("SELECT instance_id, key, value FROM ec2_instance_tags ORDER BY key").rows
        #expect(tags.map { "\($0["instance_id"] as? String ?? "") \($0["key"] as? String ?? "")=\($0["value"] as? String ?? "")" }
                == ["i-0abc123def4567890 Name=web-1", "i-0abc123def4567890 team=vigil"])
    }

    @Test func azureMetadataAndTagsWithTheMetadataHeader() throws {
        try requireRoot()
        let ns = try Namespace(address: true, serve: true)
        // Off Azure (no agent log, no Azure asset tag) the service is not even asked.
        #expect(try ns.query("SELECT * FROM azure_instance_metadata").rows.isEmpty)
        let rows = try ns.query("SELECT * FROM azure_instance_metadata", azureAgentLog: true).rows
        try #require(rows.count == 1)
        for (column, key) in [("location", "location"), ("name", "name"), ("offer", "offer"), ("publisher", "publisher"),
                              ("sku", "sku"), ("version", "version"), ("os_type", "osType"),
                              ("platform_update_domain", "platformUpdateDomain"), ("platform_fault_domain", "platformFaultDomain"),
                              ("vm_id", "vmId"), ("vm_size", "vmSize"), ("subscription_id", "subscriptionId"),
                              ("resource_group_name", "resourceGroupName"), ("placement_group_id", "placementGroupId"),
                              ("vm_scale_set_name", "vmScaleSetName"), ("zone", "zone")] {
            #expect(rows[0][column] as? String == Self.azure[key], "\(column)")
        }
        let tags = try ns.query("SELECT vm_id, key, value FROM azure_instance_tags ORDER BY key", azureAgentLog: true).rows
        // "owner:vigil:team" splits at its first colon.
        #expect(tags.map { "\($0["vm_id"] as? String ?? "") \($0["key"] as? String ?? "")=\($0["value"] as? String ?? "")" }
                == ["\(Self.azure["vmId"]!) env=test", "\(Self.azure["vmId"]!) owner=vigil:team"])
    }

    @Test func yandexCloudMetadataWithTheGoogleFlavorHeader() throws {
        try requireRoot()
        let ns = try Namespace(address: true, serve: true)
        let rows = try ns.query("SELECT * FROM ycloud_instance_metadata").rows
        try #require(rows.count == 1)
        let r = rows[0]
        #expect(r["instance_id"] as? String == "fhm1a2b3c4d5e6f7g8h9")
        #expect(r["folder_id"] as? String == "b1gfolder" && r["cloud_id"] as? String == "b1gcloud")
        #expect(r["name"] as? String == "vigil-yc" && r["description"] as? String == "test vm")
        #expect(r["hostname"] as? String == "vigil-yc.ru-central1.internal")
        #expect(r["zone"] as? String == "ru-central1-a")
        #expect(r["ssh_public_key"] as? String == "vigil:ssh-ed25519 AAAAC3Nz vigil")
        #expect(r["serial_port_enabled"] as? String == "1")
        #expect(r["metadata_endpoint"] as? String == "http://169.254.169.254")
        // An endpoint named in the query is asked instead; one that is not http(s) is refused.
        #expect(try ns.query("SELECT instance_id FROM ycloud_instance_metadata WHERE metadata_endpoint = 'http://169.254.169.254:81'").rows.isEmpty)
        let bad = try CLI.run(["netns", "exec", ns.name, CLI.binary, "query",
                               "SELECT * FROM ycloud_instance_metadata WHERE metadata_endpoint = 'file:///etc/passwd'"], executable: "/usr/sbin/ip")
        #expect(bad.status != 0 && bad.stderr.contains("http://"))
    }

    /// Not on a cloud: no route to the address, or the address with nothing behind
    /// it. Every table answers no rows, and quickly.
    @Test func offACloudEveryTableIsEmptyAndQuick() throws {
        try requireRoot()
        let sql = "SELECT (SELECT count(*) FROM ec2_instance_metadata) + (SELECT count(*) FROM ec2_instance_tags) + "
            + "(SELECT count(*) FROM azure_instance_metadata) + (SELECT count(*) FROM azure_instance_tags) + "
            + "(SELECT count(*) FROM ycloud_instance_metadata) AS n"
        for address in [false, true] {
            let ns = try Namespace(address: address, serve: false)
            let (rows, seconds) = try ns.query(sql, azureAgentLog: true)
            #expect(rows.first?["n"] as? Int == 0)
            // Each table fails at connect (unreachable or refused), far below the 1 s connect timeout.
            #expect(seconds < 3, "took \(seconds) s with address \(address)")
        }
    }

    /// A network that drops what goes to the address: each table gives up after the
    /// 1 s connect timeout (EC2 after its token request alone), with no rows.
    @Test func aServiceThatNeverAnswersCostsOneConnectTimeout() throws {
        try requireRoot()
        let ns = try Namespace(address: true, serve: false, dropped: true)
        for table in ["ec2_instance_metadata", "ec2_instance_tags", "azure_instance_metadata", "azure_instance_tags", "ycloud_instance_metadata"] {
            let (rows, seconds) = try ns.query("SELECT count(*) AS n FROM \(table)", azureAgentLog: true)
            #expect(rows.first?["n"] as? Int == 0, "\(table)")
            #expect(seconds >= 0.9 && seconds < 2.5, "\(table) took \(seconds) s")
        }
    }
}
