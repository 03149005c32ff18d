import Foundation
import Testing

/// A real systemd manager for the tests: Debian's /lib/systemd/systemd booted as
/// PID 1 of new PID, mount and cgroup namespaces (util-linux `unshare`), over a
/// volatile root (tmpfs) that shares only the host's /usr, a copy of its /etc and the
/// folders a test binds read-only. /sys and /proc/sys are read-only and the module
/// and clock capabilities dropped, as systemd-nspawn does, so nothing it starts
/// changes the host. systemd reaches `vigil-test-boot.target`, a target of nothing. The
/// manager accepts connections only from processes in its PID namespace, so the
/// tests ask it with `nsenter`, or reach it from outside through a dbus-daemon
/// started in it (`busAddress`). Killed, cgroup removed, on `stop()`.
public final class BootedSystemd {
    /// Root, systemd, unshare, nsenter and a cgroup2 hierarchy: what booting needs.
    public static var available: Bool {
        geteuid() == 0 && ["/lib/systemd/systemd", "/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/setpriv"].allSatisfy(FileManager.default.isExecutableFile)
            && cgroup2Mount() != nil
    }

    /// The manager's PID in the host's namespace.
    public let pid: pid_t
    private let unsharePid: pid_t
    private let cgroup: String
    private let folder: String

    /// The system bus started in it (`startBus()`), reachable from the host.
    public var busAddress: String { "unix:path=/proc/\(pid)/root/run/dbus/system_bus_socket" }
    /// Its root as the host sees it: write unit files under here.
    public var root: String { "/proc/\(pid)/root" }

    public init(binds: [String] = []) throws {
        guard let mount = Self.cgroup2Mount() else { throw Failure("no cgroup2 hierarchy is mounted") }
        let name = "vigil-systemd-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        folder = "/tmp/" + name
        cgroup = mount + "/" + name
        try FileManager.default.createDirectory(atPath: folder + "/root", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: cgroup, withIntermediateDirectories: false)
        let script = folder + "/boot.sh"
        try Self.bootScript(root: folder + "/root", binds: binds).write(toFile: script, atomically: true, encoding: .utf8)
        // The shell moves itself into the new cgroup first: the cgroup namespace is rooted where it is created.
        let quotedCgroup = cgroup.replacingOccurrences(of: "'", with: "")
        let unshare = try spawnClean(["/bin/sh", "-c", "echo $$ > '\(quotedCgroup)/cgroup.procs' && exec /usr/bin/unshare --pid --fork --mount --cgroup --propagation private /bin/sh \(script) >\(folder)/boot.log 2>&1"])
        unsharePid = unshare
        var found: pid_t = 0
        _ = poll(10) {
            let children = (try? String(contentsOfFile: "/proc/\(unshare)/task/\(unshare)/children", encoding: .utf8)) ?? ""
            guard let child = children.split(separator: " ").first.flatMap({ pid_t($0) }) else { return false }
            let comm = (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8)) ?? ""
            found = child
            return comm.hasPrefix("systemd")
        }
        pid = found
        guard found > 0 else {
            stop()
            throw Failure("systemd did not start: " + ((try? String(contentsOfFile: folder + "/boot.log", encoding: .utf8)) ?? ""))
        }
        var state = ""
        let up = poll(30) {
            state = self.systemctl(["is-system-running"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            return state == "running" || state == "degraded"
        }
        guard up else {
            let jobs = systemctl(["list-jobs", "--no-pager"]).output
            stop()
            throw Failure("systemd did not finish booting (is-system-running: \(state)); jobs: \(jobs)")
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// A command run inside the manager's namespaces (as `systemctl` there asks it).
    public func run(_ arguments: [String]) -> (status: Int32, output: String) {
        runToEnd(["/usr/bin/nsenter", "-t", String(pid), "-m", "-p", "--"] + arguments)
    }

    public func systemctl(_ arguments: [String]) -> (status: Int32, output: String) {
        run(["systemctl", "--no-pager"] + arguments)
    }

    /// Starts the distribution's dbus.socket and dbus.service in it: the manager joins that bus.
    public func startBus() throws {
        let started = systemctl(["start", "dbus.socket", "dbus.service"])
        guard started.status == 0 else { throw Failure("systemctl start dbus: \(started.output)") }
        // The manager connects to the bus once dbus.service is up; wait until it answers there.
        let ok = poll(10) { self.run(["busctl", "--system", "status", "org.freedesktop.systemd1"]).status == 0 }
        guard ok else { throw Failure("systemd did not join the bus") }
    }

    /// Kills the manager (and with PID 1 every process of its namespace) and removes its cgroup.
    public func stop() {
        if pid > 0 { kill(pid, SIGKILL) }
        kill(unsharePid, SIGKILL)
        reap(unsharePid)
        // Processes die asynchronously after PID 1; a cgroup goes only when empty, children first.
        _ = poll(10) {
            let dirs = (FileManager.default.enumerator(atPath: self.cgroup)?.allObjects as? [String] ?? [])
                .map { self.cgroup + "/" + $0 }
                .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && d.boolValue }
                .sorted { $0.count > $1.count }
            for dir in dirs { rmdir(dir) }
            return rmdir(self.cgroup) == 0 || errno == ENOENT
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Where the cgroup2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1).
    static func cgroup2Mount() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, halves[1].hasPrefix("cgroup2 ") else { continue }
            let fields = halves[0].split(separator: " ")
            if fields.count > 4 { return String(fields[4]) }
        }
        return nil
    }

    /// PID 1's script: builds the root, pivots into it and becomes systemd.
    static func bootScript(root: String, binds: [String]) -> String {
        let bindLines = binds.map { "mkdir -p \"$R\($0)\" && mount --rbind '\($0)' \"$R\($0)\" && mount -o remount,bind,ro \"$R\($0)\"" }
        return """
        set -e
        R='\(root)'
        mount -t tmpfs -o mode=755 tmpfs "$R"
        cd "$R"
        mkdir -p usr etc proc sys dev run tmp var root oldroot
        mount --rbind /usr usr
        mount -o remount,bind,ro usr
        ln -s usr/bin bin; ln -s usr/sbin sbin; ln -s usr/lib lib
        [ -e /usr/lib64 ] && ln -s usr/lib64 lib64
        cp -a /etc/. etc/
        printf '[Unit]\\nDescription=Vigil test boot target\\n' > etc/systemd/system/vigil-test-boot.target
        mount -t tmpfs -o mode=755 tmpfs dev
        for d in null zero full random urandom tty; do touch dev/$d; mount --bind /dev/$d dev/$d; done
        mkdir dev/pts dev/shm
        mount -t devpts -o newinstance,ptmxmode=0666 devpts dev/pts
        ln -s pts/ptmx dev/ptmx
        touch dev/console; mount --bind /dev/null dev/console
        mount -t proc proc proc
        mount --bind proc/sys proc/sys
        mount -o remount,bind,ro proc/sys
        mount --rbind /sys sys
        mount -o remount,bind,ro sys
        mount -t cgroup2 cgroup2 sys/fs/cgroup 2>/dev/null || { mount -t tmpfs tmpfs sys/fs/cgroup; mkdir sys/fs/cgroup/unified; mount -t cgroup2 cgroup2 sys/fs/cgroup/unified; }
        mount -t tmpfs tmpfs run
        mount -t tmpfs tmpfs tmp
        mount -t tmpfs tmpfs var
        # After the tmpfs mounts: a folder under /tmp (a CI clone's build) would be hidden by them.
        \(bindLines.joined(separator: "\n"))
        pivot_root . oldroot
        umount -l /oldroot
        rmdir /oldroot
        export container=vigil-test
        exec /usr/bin/setpriv --bounding-set -sys_module,-sys_time,-sys_boot /lib/systemd/systemd --unit=vigil-test-boot.target --log-target=console
        """
    }
}
