import Foundation
import Glibc
import Testing

/// An LXD daemon of the test's own (Debian's lxd 5.0), its LXD_DIR in a temporary
/// folder, with an image the test builds (no image server is reachable here): a
/// root filesystem of coreutils' sleep and dash with the libraries they load, whose
/// init sleeps, and a metadata.yaml.
final class LXDDaemon {
    let root: String
    let dir: String
    let socket: String
    let process: Process
    /// The daemon's pid (`GET /1.0`, environment.server_pid): it leads its process group.
    private(set) var pid: pid_t = 0

    init() throws {
        // A unix socket's path is limited to 108 bytes: keep the folder short.
        root = "/tmp/vl-" + UUID().uuidString.prefix(8).lowercased()
        dir = root + "/d"
        socket = dir + "/unix.socket"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        // setsid: lxd leads a process group of its own, which a failed shutdown kills whole.
        process.arguments = ["--fork", "--wait", "lxd", "--group", "root", "--logfile", root + "/lxd.log"]
        process.environment = ProcessInfo.processInfo.environment.merging(["LXD_DIR": dir]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            try lxd("waitready", "--timeout", "60")
            let server = try JSONSerialization.jsonObject(with: Data(try lxc("query", "/1.0").utf8)) as? [String: Any]
            pid = pid_t((server?["environment"] as? [String: Any])?["server_pid"] as? Int ?? 0)
        } catch {
            stop()
            throw LXDTestError("lxd did not answer on \(socket): \(error)")
        }
    }

    /// The lxc command against this daemon; its standard output, trimmed. Throws with
    /// its standard error when it fails.
    @discardableResult
    func lxc(_ arguments: String...) throws -> String { try run(["lxc"] + arguments) }

    @discardableResult
    func lxd(_ arguments: String...) throws -> String { try run(["lxd"] + arguments) }

    /// `lxc query PATH`'s JSON (LXD's metadata of that endpoint).
    func query(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try lxc("query", path).utf8), options: .fragmentsAllowed)
    }

    /// `lxc … -f json`'s list.
    func list(_ arguments: String...) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(try run(["lxc"] + arguments + ["-f", "json"]).utf8)) as! [[String: Any]]
    }

    private func run(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["LXD_DIR=" + dir] + arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes at once: a long answer on one must not block the other.
        nonisolated(unsafe) var error = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            error = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw LXDTestError("\(arguments.joined(separator: " ")): \(String(decoding: error, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Build and import an image with `alias`: metadata.yaml (these properties) and a
    /// root filesystem whose /sbin/init sleeps. Returns the image file's path.
    @discardableResult
    func importImage(alias: String, properties: [String: String]) throws -> String {
        let build = root + "/image"
        let rootfs = build + "/rootfs"
        try copyWithLibraries(["/bin/sleep", "/bin/sh"], into: rootfs)
        for folder in ["proc", "sys", "dev", "tmp", "etc", "sbin"] {
            try FileManager.default.createDirectory(atPath: rootfs + "/" + folder, withIntermediateDirectories: true)
        }
        try "#!/bin/sh\nexec /bin/sleep 100000\n".write(toFile: rootfs + "/sbin/init", atomically: true, encoding: .utf8)
        chmod(rootfs + "/sbin/init", 0o755)
        let yaml = "architecture: x86_64\ncreation_date: \(Int(Date().timeIntervalSince1970))\nproperties:\n"
            + properties.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"\n" }.joined()
        try yaml.write(toFile: build + "/metadata.yaml", atomically: true, encoding: .utf8)
        let tarball = root + "/vigil-image.tar.gz"
        _ = try runData(["tar", "-C", build, "-czf", tarball, "metadata.yaml", "rootfs"])
        try lxc("image", "import", tarball, "--alias", alias)
        return tarball
    }

    /// Delete the instances and the networks (a bridge lives outside the folder), shut
    /// the daemon down (its process group is killed if that fails), unmount what it
    /// left mounted and remove the folder.
    func stop() {
        if let names = try? lxc("list", "-c", "n", "-f", "csv"), !names.isEmpty {
            for name in names.split(separator: "\n") { _ = try? lxc("delete", "--force", String(name)) }
        }
        if let profile = try? query("/1.0/profiles/default") as? [String: Any],
           let devices = profile["devices"] as? [String: [String: Any]] {
            for (name, device) in devices where device["type"] as? String == "nic" {
                _ = try? lxc("profile", "device", "remove", "default", name)
            }
        }
        for network in (try? list("network", "list")) ?? [] where network["managed"] as? Bool == true {
            _ = try? lxc("network", "delete", network["name"] as? String ?? "")
        }
        if (try? run(["timeout", "30", "lxd", "shutdown"])) == nil, pid > 1 {
            kill(-pid, SIGKILL)
        }
        process.waitUntilExit()
        for mount in ["shmounts", "devlxd"] { umount2(dir + "/" + mount, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: root)
    }
}

struct LXDTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
