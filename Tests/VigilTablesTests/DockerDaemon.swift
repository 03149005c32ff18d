import Foundation
import Glibc
import Testing

/// A Docker daemon of the test's own (Debian's dockerd), in a temporary folder,
/// without iptables rules or the default bridge, with an image imported from a
/// tarball the test builds (no registry is reachable here): coreutils' sleep and
/// dash with the libraries they load.
final class DockerDaemon {
    let root: String
    let socket: String
    let process: Process

    init() throws {
        // A unix socket's path is limited to 108 bytes: keep the folder short.
        root = "/tmp/vd-" + UUID().uuidString.prefix(8)
        socket = root + "/d.sock"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        // setsid: dockerd leads a process group of its own, so its containerd goes with it.
        process.arguments = ["--fork", "--wait", "dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none",
                             "--data-root", root + "/data", "--exec-root", root + "/exec", "--pidfile", root + "/d.pid",
                             "-H", "unix://" + socket]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the API (up to 30 s: the first start makes its folders).
        for _ in 0..<300 {
            if (try? docker("version", "--format", "{{.Server.Version}}"))?.isEmpty == false { return }
            usleep(100_000)
        }
        stop()
        throw DockerTestError("dockerd did not answer on \(socket)")
    }

    /// The docker command against this daemon; its standard output, trimmed. Throws
    /// with its standard error when it fails.
    @discardableResult
    func docker(_ arguments: String...) throws -> String { try docker(arguments) }

    func docker(_ arguments: [String], input: Data? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["DOCKER_HOST=unix://" + socket, "docker"] + arguments
        let out = Pipe(), err = Pipe(), stdin = Pipe()
        p.standardOutput = out
        p.standardError = err
        if input != nil { p.standardInput = stdin }
        try p.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw DockerTestError("docker \(arguments.joined(separator: " ")): \(String(decoding: error, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Import a one-layer image `name` with `label` from a root filesystem of
    /// /bin/sleep and /bin/sh and their libraries.
    func importImage(_ name: String, label: String) throws {
        let rootfs = root + "/rootfs"
        try copyWithLibraries(["/bin/sleep", "/bin/sh"], into: rootfs)
        let tar = try runData(["tar", "-C", rootfs, "-c", "."])
        try docker(["import", "-c", "LABEL " + label, "-", name], input: tar)
    }

    /// Remove what lives outside the folder (containers, the test's networks and
    /// their bridges), kill the daemon's process group (SIGKILL: children of the test
    /// runner inherit its blocked SIGTERM), unmount its data root and remove the folder.
    func stop() {
        if let ids = try? docker("ps", "-aq"), !ids.isEmpty {
            _ = try? docker(["rm", "-f"] + ids.split(separator: "\n").map(String.init))
        }
        if let ids = try? docker("network", "ls", "-q", "--filter", "type=custom"), !ids.isEmpty {
            _ = try? docker(["network", "rm"] + ids.split(separator: "\n").map(String.init))
        }
        if let text = try? String(contentsOfFile: root + "/d.pid", encoding: .utf8),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 {
            kill(-pid, SIGKILL)
        }
        process.waitUntilExit()
        // dockerd bind-mounts its data root over itself and a killed daemon leaves it.
        umount2(root + "/data", Int32(MNT_DETACH))
        try? FileManager.default.removeItem(atPath: root)
    }
}

struct DockerTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Copy `programs` and the libraries they load (as ldd lists them) into a root
/// filesystem at `rootfs`, at the same paths.
func copyWithLibraries(_ programs: [String], into rootfs: String) throws {
    let ldd = try runOutput(["ldd"] + programs)
    let libraries = ldd.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
        .filter { $0.hasPrefix("/") && !$0.hasSuffix(":") }
    for file in Set(programs + libraries) {
        let target = rootfs + file
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        // realpath(3): Foundation's resolvingSymlinksInPath leaves /bin/sh a link to "dash".
        guard let real = realpath(file, nil) else { throw DockerTestError("\(file): no such file") }
        defer { free(real) }
        if !FileManager.default.fileExists(atPath: target) { try FileManager.default.copyItem(atPath: String(cString: real), toPath: target) }
    }
}

/// A command's standard output as text / bytes.
func runOutput(_ arguments: [String]) throws -> String { String(decoding: try runData(arguments), as: UTF8.self) }

func runData(_ arguments: [String]) throws -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return data
}
