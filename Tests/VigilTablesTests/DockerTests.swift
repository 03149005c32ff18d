import Foundation
import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// The docker_* tables against a real Docker daemon the test starts (Debian's
/// dockerd 20.10): an image imported with a label, a labelled volume and network,
/// a running container with labels, environment, a published port, a volume and a
/// security option, and one created but never started. Every table is compared
/// with what the docker command (another client of the same daemon) and /proc say.
@Suite(.ownThread, .serialized, .requiresRoot) struct DockerTests {
    /// Run `body` with a daemon set up as above; the tables read its socket.
    func withDaemon(_ body: (DockerDaemon, Database) throws -> Void) throws {
        try requireRoot()
        let daemon = try DockerDaemon()
        defer { daemon.stop() }
        try daemon.importImage("vigil-test:1", label: "team=vigil")
        try daemon.docker("volume", "create", "--label", "vk=vv", "vigilvol")
        try daemon.docker("network", "create", "--label", "nk=nv", "vigilnet")
        let port = try TCPListener.freePort()
        try daemon.docker("run", "-d", "--name", "web", "--network", "vigilnet", "-p", "127.0.0.1:\(port):80",
                          "--label", "role=web", "-e", "A=1", "-e", "B=x=y", "-v", "vigilvol:/data",
                          "--security-opt", "no-new-privileges", "vigil-test:1", "/bin/sleep", "1000")
        try daemon.docker("create", "--name", "idle", "--network", "none", "vigil-test:1", "/bin/sh")
        let api = DockerAPI(socket: daemon.socket)
        let tables: [any VirtualTable] = [
            DockerContainersTable(api: api), DockerContainerProcessesTable(api: api), DockerContainerLabelsTable(api: api),
            DockerContainerEnvsTable(api: api), DockerContainerPortsTable(api: api), DockerContainerMountsTable(api: api),
            DockerContainerNetworksTable(api: api), DockerImagesTable(api: api), DockerImageLabelsTable(api: api),
            DockerInfoTable(api: api), DockerVersionTable(api: api), DockerVolumesTable(api: api),
            DockerVolumeLabelsTable(api: api), DockerNetworksTable(api: api), DockerNetworkLabelsTable(api: api),
        ]
        try body(daemon, try Database(tables: tables))
    }

    /// A JSON value the docker command printed (`--format '{{json …}}'`).
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed) }

    @Test func dockerTablesMatchTheDockerCommand() throws {
        try withDaemon { d, db in
            // docker_version and docker_info.
            let version = try db.query("SELECT * FROM docker_version")
            try #require(version.count == 1)
            let server = try json(d.docker("version", "--format", "{{json .Server}}")) as! [String: Any]
            #expect(version[0]["version"]?.string == server["Version"] as? String)
            #expect(version[0]["api_version"]?.string == server["ApiVersion"] as? String)
            #expect(version[0]["min_api_version"]?.string == server["MinAPIVersion"] as? String)
            #expect(version[0]["git_commit"]?.string == server["GitCommit"] as? String)
            #expect(version[0]["kernel_version"]?.string == server["KernelVersion"] as? String)
            let info = try db.query("SELECT * FROM docker_info")
            try #require(info.count == 1)
            let fields = try d.docker("info", "--format", "{{.ID}}|{{.Containers}}|{{.ContainersRunning}}|{{.ContainersStopped}}|{{.Images}}|{{.Driver}}|{{.DockerRootDir}}|{{.NCPU}}|{{.MemTotal}}|{{.ServerVersion}}|{{.CgroupDriver}}")
                .split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            #expect(info[0]["id"]?.string == fields[0])
            #expect(info[0]["containers"]?.int == 2 && fields[1] == "2")
            #expect(info[0]["containers_running"]?.int == Int64(fields[2]))
            #expect(info[0]["containers_stopped"]?.int == Int64(fields[3]))
            #expect(info[0]["images"]?.int == Int64(fields[4]))
            #expect(info[0]["storage_driver"]?.string == fields[5])
            #expect(info[0]["root_dir"]?.string == fields[6] && fields[6] == d.root + "/data")
            #expect(info[0]["cpus"]?.int == Int64(fields[7]))
            #expect(info[0]["memory"]?.int == Int64(fields[8]))
            #expect(info[0]["server_version"]?.string == fields[9])
            #expect(info[0]["cgroup_driver"]?.string == fields[10])

            // docker_containers: both, with what `docker inspect` says of each.
            let containers = try db.query("SELECT * FROM docker_containers ORDER BY name")
            #expect(containers.map { $0["name"]?.string } == ["/idle", "/web"])
            for row in containers {
                let name = String(row["name"]!.string.dropFirst())
                let inspect = try (json(d.docker("inspect", name)) as! [[String: Any]])[0]
                let state = inspect["State"] as! [String: Any], config = inspect["Config"] as! [String: Any]
                let host = inspect["HostConfig"] as! [String: Any]
                #expect(row["id"]?.string == inspect["Id"] as? String)
                #expect("sha256:" + row["image_id"]!.string == inspect["Image"] as? String)
                #expect(row["image"]?.string == "vigil-test:1")
                #expect(row["state"]?.string == state["Status"] as? String)
                #expect(row["pid"]?.int == Int64(state["Pid"] as! Int))
                #expect(row["path"]?.string == inspect["Path"] as? String)
                #expect(row["started_at"]?.string == state["StartedAt"] as? String)
                #expect(row["finished_at"]?.string == state["FinishedAt"] as? String)
                #expect(row["privileged"]?.int == 0)
                #expect(row["env_variables"]?.string == (config["Env"] as? [String] ?? []).joined(separator: ", "))
                #expect(row["security_options"]?.string == (host["SecurityOpt"] as? [String] ?? []).joined(separator: ", "))
                #expect(row["created"]?.int ?? 0 > 0)
                if name == "web" {
                    #expect(row["command"]?.string == "/bin/sleep 1000")
                    #expect(row["security_options"]?.string == "no-new-privileges")
                    let pid = state["Pid"] as! Int
                    for kind in ["net", "pid", "mnt", "uts", "ipc"] {
                        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")
                        #expect("\(kind):[\(row[kind + "_namespace"]!.string)]" == link)
                    }
                } else {
                    #expect(row["state"]?.string == "created" && row["pid"]?.int == 0)
                    #expect(row["net_namespace"] == .null)
                }
            }

            // An id prefix is pushed down and answered with that prefix, as osquery does.
            let webID = try d.docker("inspect", "--format", "{{.Id}}", "web")
            let prefix = String(webID.prefix(12))
            let byPrefix = try db.query("SELECT id, name FROM docker_containers WHERE id = '\(prefix)'")
            #expect(byPrefix.count == 1 && byPrefix.first?["id"]?.string == prefix && byPrefix.first?["name"]?.string == "/web")
            #expect(try db.query("SELECT id FROM docker_containers WHERE id = 'not-hex'").isEmpty)
            // name = is pushed down too (osquery's index): the other containers are left out uninspected.
            #expect(try db.query("SELECT id, pid FROM docker_containers WHERE name = '/web'").map { $0["id"]?.string } == [webID])
            #expect(try db.query("SELECT name FROM docker_containers WHERE name IN ('/idle', '/web', '/gone') ORDER BY name")
                .map { $0["name"]?.string } == ["/idle", "/web"])

            // docker_container_processes: the container's sleep, as /proc has it.
            let pid = Int64(try d.docker("inspect", "--format", "{{.State.Pid}}", "web"))!
            let processes = try db.query("SELECT * FROM docker_container_processes WHERE id = '\(webID)'")
            try #require(processes.count == 1)
            #expect(processes[0]["pid"]?.int == pid)
            #expect(processes[0]["cmdline"]?.string == "/bin/sleep 1000")
            #expect(processes[0]["name"]?.string == "sleep")
            #expect(processes[0]["uid"]?.int == 0 && processes[0]["user"]?.string == "root")
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let ppid = status.split(separator: "\n").first { $0.hasPrefix("PPid:") }!.split(separator: "\t").last!
            #expect(processes[0]["parent"]?.int == Int64(ppid))
            #expect(try db.query("SELECT * FROM docker_container_processes WHERE id = '\(try d.docker("inspect", "--format", "{{.Id}}", "idle"))'").isEmpty)
            #expect(throws: (any Error).self) { try db.query("SELECT * FROM docker_container_processes") }

            // Labels of containers, images, volumes and networks.
            #expect(try db.query("SELECT key, value FROM docker_container_labels WHERE id = '\(webID)' ORDER BY key")
                .map { "\($0["key"]!.string)=\($0["value"]!.string)" } == ["role=web", "team=vigil"])
            #expect(try db.query("SELECT value FROM docker_container_labels WHERE id = '\(webID)' AND key = 'role'")
                .map { $0["value"]!.string } == ["web"])
            #expect(try db.query("SELECT name, value FROM docker_volume_labels WHERE key = 'vk'")
                .map { "\($0["name"]!.string)=\($0["value"]!.string)" } == ["vigilvol=vv"])
            let imageID = try d.docker("image", "inspect", "--format", "{{.Id}}", "vigil-test:1")
            #expect(try db.query("SELECT id, key, value FROM docker_image_labels")
                .map { "\($0["id"]!.string) \($0["key"]!.string)=\($0["value"]!.string)" } == ["\(imageID.dropFirst(7)) team=vigil"])
            #expect(try db.query("SELECT name, key, value FROM docker_volume_labels WHERE name = 'vigilvol'")
                .map { "\($0["name"]!.string) \($0["key"]!.string)=\($0["value"]!.string)" } == ["vigilvol vk=vv"])
            let netID = try d.docker("network", "inspect", "--format", "{{.Id}}", "vigilnet")
            #expect(try db.query("SELECT id, key, value FROM docker_network_labels WHERE id = '\(netID)'")
                .map { "\($0["id"]!.string) \($0["key"]!.string)=\($0["value"]!.string)" } == ["\(netID) nk=nv"])

            // Environment, ports, mounts and networks of the running container.
            let env = try json(d.docker("inspect", "--format", "{{json .Config.Env}}", "web")) as! [String]
            #expect(try db.query("SELECT key, value FROM docker_container_envs WHERE id = '\(webID)'")
                .map { "\($0["key"]!.string)=\($0["value"]!.string)" } == env)
            #expect(env.contains("B=x=y"))
            // `docker port`: "80/tcp -> 127.0.0.1:PORT".
            let ports = try db.query("SELECT * FROM docker_container_ports WHERE id = '\(webID)'")
            #expect(ports.map { "\($0["port"]!.int)/\($0["type"]!.string) -> \($0["host_ip"]!.string):\($0["host_port"]!.int)" }
                    == [try d.docker("port", "web")])
            let mounts = try json(d.docker("inspect", "--format", "{{json .Mounts}}", "web")) as! [[String: Any]]
            let mountRows = try db.query("SELECT * FROM docker_container_mounts WHERE id = '\(webID)'")
            try #require(mountRows.count == 1 && mounts.count == 1)
            for (column, field) in [("type", "Type"), ("name", "Name"), ("source", "Source"), ("destination", "Destination"),
                                    ("driver", "Driver"), ("mode", "Mode"), ("propagation", "Propagation")] {
                #expect(mountRows[0][column]?.string == mounts[0][field] as? String, "\(column)")
            }
            #expect(mountRows[0]["rw"]?.int == ((mounts[0]["RW"] as? Bool) == true ? 1 : 0))
            #expect(try db.query("SELECT id, destination FROM docker_container_mounts WHERE name = 'vigilvol'")
                .map { "\($0["id"]!.string) \($0["destination"]!.string)" } == ["\(webID) /data"])
            let networks = try json(d.docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", "web")) as! [String: [String: Any]]
            let netRows = try db.query("SELECT * FROM docker_container_networks WHERE id = '\(webID)'")
            try #require(netRows.count == 1 && networks["vigilnet"] != nil)
            #expect(netRows[0]["name"]?.string == "vigilnet")
            #expect(try db.query("SELECT id FROM docker_container_networks WHERE name = 'vigilnet'").map { $0["id"]!.string } == [webID])
            #expect(netRows[0]["network_id"]?.string == netID)
            #expect(netRows[0]["ip_address"]?.string == networks["vigilnet"]!["IPAddress"] as? String)
            #expect(netRows[0]["ip_prefix_len"]?.int == Int64(networks["vigilnet"]!["IPPrefixLen"] as! Int))
            #expect(netRows[0]["gateway"]?.string == networks["vigilnet"]!["Gateway"] as? String)
            #expect(netRows[0]["mac_address"]?.string == networks["vigilnet"]!["MacAddress"] as? String)

            // Images, volumes and networks themselves.
            let images = try db.query("SELECT * FROM docker_images")
            try #require(images.count == 1)
            #expect(images[0]["id"]?.string == String(imageID.dropFirst(7)))
            #expect(images[0]["tags"]?.string == "vigil-test:1")
            #expect(images[0]["size_bytes"]?.int == Int64(try d.docker("image", "inspect", "--format", "{{.Size}}", "vigil-test:1")))
            let volumes = try db.query("SELECT * FROM docker_volumes WHERE name = 'vigilvol'")
            try #require(volumes.count == 1)
            #expect(volumes[0]["driver"]?.string == "local")
            #expect(volumes[0]["mount_point"]?.string == (try d.docker("volume", "inspect", "--format", "{{.Mountpoint}}", "vigilvol")))
            let netRow = try db.query("SELECT * FROM docker_networks WHERE id = '\(netID)'")
            try #require(netRow.count == 1)
            let ipam = try json(d.docker("network", "inspect", "--format", "{{json .IPAM.Config}}", "vigilnet")) as! [[String: Any]]
            #expect(netRow[0]["name"]?.string == "vigilnet" && netRow[0]["driver"]?.string == "bridge")
            #expect(netRow[0]["subnet"]?.string == ipam.first?["Subnet"] as? String)
            #expect(netRow[0]["gateway"]?.string == ipam.first?["Gateway"] as? String)
            // Created: the UNIX seconds of the CLI's own parse of the time (Go's time.Time.Unix).
            #expect(netRow[0]["created"]?.int == Int64(try d.docker("network", "inspect", "--format", "{{.Created.Unix}}", "vigilnet")))
            #expect(try db.query("SELECT name FROM docker_networks ORDER BY name").map { $0["name"]!.string }
                    == (try d.docker("network", "ls", "--format", "{{.Name}}")).split(separator: "\n").map(String.init).sorted())
        }
    }

    @Test func noDockerMeansNoRows() throws {
        let api = DockerAPI(socket: "/nonexistent/docker.sock")
        let db = try Database(tables: [DockerContainersTable(api: api), DockerInfoTable(api: api), DockerImagesTable(api: api)])
        #expect(try db.query("SELECT * FROM docker_containers").isEmpty)
        #expect(try db.query("SELECT * FROM docker_info").isEmpty)
        #expect(try db.query("SELECT * FROM docker_images").isEmpty)
    }

    @Test func aSocketThatIsNotDockerIsAClearError() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("docker.sock").path
        try Data().write(to: URL(fileURLWithPath: path))  // a plain file, nothing listening
        let db = try Database(tables: [DockerVersionTable(api: DockerAPI(socket: path))])
        do {
            _ = try db.query("SELECT * FROM docker_version")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("docker_version") && "\(error)".contains(path))
        }
    }
}
