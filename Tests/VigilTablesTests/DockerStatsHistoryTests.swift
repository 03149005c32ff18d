import Foundation
import Testing
import VigilSQL
import VigilTables
import VigilTestSupport

/// docker_container_fs_changes, docker_container_stats, docker_image_history and
/// docker_image_layers against a Docker daemon the test starts (see DockerDaemon),
/// compared with the docker command (diff, top, history, image inspect) and, for
/// the stats that keep changing, with the same endpoint read by curl before and after.
@Suite(.ownThread, .serialized, .requiresRoot) struct DockerStatsHistoryTests {
    func curl(_ d: DockerDaemon, _ path: String) throws -> [String: Any] {
        let text = try shell(["curl", "-s", "--unix-socket", d.socket, "http://localhost" + path])
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    func number(_ object: [String: Any], _ path: String...) -> Int64 {
        var value: Any? = object
        for key in path { value = (value as? [String: Any])?[key] }
        return (value as? NSNumber)?.int64Value ?? 0
    }

    @Test func containerAndImageDetailsMatchTheDockerCommand() throws {
        try requireRoot()
        let d = try DockerDaemon()
        defer { d.stop() }
        try d.importImage("vigil-test:1", label: "team=vigil")
        // A running container, and a file copied into its filesystem.
        try d.docker("run", "-d", "--name", "web", "--network", "none", "vigil-test:1", "/bin/sleep", "1000")
        let file = try temporaryDirectory().appendingPathComponent("added")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data("vigil".utf8).write(to: file)
        try d.docker("cp", file.path, "web:/added")
        let api = DockerAPI(socket: d.socket)
        let db = try Database(tables: [DockerContainerFsChangesTable(api: api), DockerContainerStatsTable(api: api),
                                       DockerImageHistoryTable(api: api), DockerImageLayersTable(api: api)])
        let id = try d.docker("inspect", "--format", "{{.Id}}", "web")

        // docker diff: "A /added" and whatever else changed.
        var diff: [String] = []
        for _ in 0..<50 {
            diff = try d.docker("diff", "web").split(separator: "\n").map(String.init).sorted()
            if diff.contains("A /added") { break }
            usleep(100_000)
        }
        #expect(diff.contains("A /added"))
        let changes = try db.query("SELECT change_type, path FROM docker_container_fs_changes WHERE id = '\(id)'")
        #expect(changes.map { "\($0["change_type"]!.string) \($0["path"]!.string)" }.sorted() == diff)
        #expect(throws: (any Error).self) { try db.query("SELECT * FROM docker_container_fs_changes") }
        #expect(try db.query("SELECT * FROM docker_container_fs_changes WHERE id = 'abcdef0123'").isEmpty)

        // Stats: stable values equal, counters between two reads of the same endpoint.
        let first = try curl(d, "/containers/\(id)/stats?stream=false")
        let stats = try db.query("SELECT * FROM docker_container_stats WHERE id = '\(id)'")
        let last = try curl(d, "/containers/\(id)/stats?stream=false")
        try #require(stats.count == 1)
        let s = stats[0]
        #expect(s["id"]?.string == id && s["name"]?.string == "/web")
        let top = try d.docker("top", "web").split(separator: "\n").dropFirst()
        #expect(s["pids"]?.integer == Int64(top.count))
        #expect(s["memory_limit"]?.integer == number(first, "memory_stats", "limit"))
        #expect(s["online_cpus"]?.integer == number(first, "cpu_stats", "online_cpus"))
        for (column, path) in [("cpu_total_usage", ["cpu_stats", "cpu_usage", "total_usage"]), ("system_cpu_usage", ["cpu_stats", "system_cpu_usage"])] {
            let low = path.reduce(Optional<Any>(first)) { ($0 as? [String: Any])?[$1] } as? NSNumber
            let high = path.reduce(Optional<Any>(last)) { ($0 as? [String: Any])?[$1] } as? NSNumber
            let value = s[column]?.integer ?? -1
            #expect(value >= (low?.int64Value ?? 0) && value <= (high?.int64Value ?? 0), "\(column): \(value)")
        }
        let now = Int64(Date().timeIntervalSince1970)
        #expect(abs((s["read"]?.integer ?? 0) - now) < 60)
        // The daemon waits about a second between its two readings.
        if (s["preread"]?.integer ?? 0) > 0 { #expect((500_000_000...5_000_000_000).contains(s["interval"]?.integer ?? 0)) }

        // History and layers of the image, as docker prints them.
        let imageID = String(try d.docker("image", "inspect", "--format", "{{.Id}}", "vigil-test:1").dropFirst(7))
        let history = try d.docker("history", "--no-trunc", "--human=false", "--format", "{{.CreatedBy}}|{{.Size}}|{{.Comment}}", "vigil-test:1")
            .split(separator: "\n").map(String.init)
        let rows = try db.query("SELECT * FROM docker_image_history WHERE id = '\(imageID)'")
        #expect(rows.map { "\($0["created_by"]!.string)|\($0["size"]!.int)|\($0["comment"]!.string)" } == history)
        let created = try shell(["date", "-d", try d.docker("image", "inspect", "--format", "{{.Created}}", "vigil-test:1"), "+%s"])
        #expect(rows.first?["created"]?.integer == Int64(created.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(rows.first?["id"]?.string == imageID)
        #expect(try db.query("SELECT id FROM docker_image_history").map { $0["id"]!.string } == rows.map { $0["id"]!.string })
        let layers = try JSONSerialization.jsonObject(with: Data(try d.docker("image", "inspect", "--format", "{{json .RootFS.Layers}}", "vigil-test:1").utf8)) as! [String]
        let layerRows = try db.query("SELECT layer_id, layer_order FROM docker_image_layers WHERE id = '\(imageID)' ORDER BY layer_order")
        #expect(layerRows.map { $0["layer_id"]!.string } == layers.map { String($0.dropFirst(7)) })
        #expect(layerRows.map { $0["layer_order"]!.int } == Array(1...Int64(layers.count)))
        #expect(try db.query("SELECT * FROM docker_image_layers WHERE id = 'abcdef0123'").isEmpty)
    }
}
