import Foundation
import Testing
import VigilTestSupport

/// In-kernel filters of `vigil trace`: comm, uid and cgroup, alone and combined.
@Suite(.ownThread, .serialized) struct TraceFilterTests {
    let helper = TraceCommandTests()

    @Test(.requiresRoot) func commFilterKeepsOnlyThatCommand() throws {
        try requireRoot()
        let r = try CLI.run(["trace", "--format", "json", "--comm", "true", "--", "/bin/sh", "-c", "/bin/true; sleep 0.01; /bin/true"])
        let all = try helper.events(r.stdout)
        #expect(all.count == 4, "two execs and two exits of true: \(r.stdout)")
        #expect(all.allSatisfy { $0["comm"] as? String == "true" })
    }

    /// Names that share a prefix with the filter are not it; a name the kernel cut at 15
    /// bytes is matched by its first 15, as `ps` shows it.
    @Test(.requiresRoot) func commFilterComparesTheWholeName() throws {
        try requireRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-comm-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["tru", "truex", "abcdefghijklmno", "abcdefghijklmnopq", "abcdefghijklmn"] {
            try FileManager.default.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: "/bin/true")
        }
        let script = ["tru", "truex", "abcdefghijklmno", "abcdefghijklmnopq", "abcdefghijklmn"].map { "\(dir)/\($0)" }.joined(separator: "; ")
        let short = try helper.events(try CLI.run(["trace", "--format", "json", "--comm", "true", "--", "/bin/sh", "-c", script + "; /bin/true"]).stdout)
        #expect(short.count == 2 && short.allSatisfy { $0["comm"] as? String == "true" }, "\(short)")
        let long = try helper.events(try CLI.run(["trace", "--format", "json", "--comm", "abcdefghijklmno", "--", "/bin/sh", "-c", script]).stdout)
        // The 15-byte name and the 17-byte one (cut to the same 15): an exec and an exit each.
        #expect(long.count == 4 && long.allSatisfy { $0["comm"] as? String == "abcdefghijklmno" }, "\(long)")
        #expect(Set(long.compactMap { $0["filename"] as? String }) == [dir + "/abcdefghijklmno", dir + "/abcdefghijklmnopq"])
    }

    @Test(.requiresRoot) func uidFilterKeepsOnlyThatUser() throws {
        try requireRoot()
        let r = try CLI.run(["trace", "--format", "json", "--uid", "65534", "--", "/bin/sh", "-c",
                             "/bin/true; setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true; exit 0"])
        let all = try helper.events(r.stdout)
        #expect(all.map { $0["event"] as? String } == ["exec", "exit"], "\(r.stdout)")
        #expect(all.allSatisfy { $0["uid"] as? Int == 65534 && $0["comm"] as? String == "true" })
    }

    @Test(.requiresRoot) func cgroupFilterKeepsOnlyProcessesInsideIt() throws {
        try requireRoot()
        let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
        var found: String?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count > 2 && fields[2] == "cgroup2" { found = String(fields[1]) }
        }
        let mount = try #require(found, "no cgroup2 mount")
        let name = "vigil-test-\(UUID().uuidString.prefix(8))"
        let directory = mount + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { rmdir(directory) }
        let inode = try #require(try FileManager.default.attributesOfItem(atPath: directory)[.systemFileNumber] as? Int)
        let script = "/bin/true; echo $$ > \(directory)/cgroup.procs; /bin/echo inside > /dev/null; exit 4"
        let r = try CLI.run(["trace", "--format", "json", "--cgroup", name, "--", "/bin/sh", "-c", script])
        #expect(r.status == 4)
        let all = try helper.events(r.stdout)
        // Only what happened after the shell moved itself in: fork and exec of echo, two exits.
        let kinds: [String] = all.compactMap { $0["event"] as? String }
        #expect(kinds == ["fork", "exec", "exit", "exit"], "\(r.stdout)")
        #expect(all.allSatisfy { $0["cgroup_id"] as? Int == inode })
        #expect(all.first { $0["event"] as? String == "exec" }?["filename"] as? String == "/bin/echo")
    }

    @Test(.requiresRoot) func filtersCombine() throws {
        try requireRoot()
        // comm true AND uid 65534: the root-owned true is left out.
        let r = try CLI.run(["trace", "--format", "json", "--comm", "true", "--uid", "65534", "--", "/bin/sh", "-c",
                             "/bin/true; setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true"])
        let all = try helper.events(r.stdout)
        #expect(all.count == 2)
        #expect(all.allSatisfy { $0["uid"] as? Int == 65534 })
    }

    @Test func badFilterValuesAreRefused() throws {
        let comm = try CLI.vigil("trace", "--comm", "a-name-longer-than-15")
        #expect(comm.stderr.contains("--comm takes a command name of 1 to 15 bytes"))
        let cgroup = try CLI.vigil("trace", "--cgroup", "no/such/cgroup")
        #expect(cgroup.status != 0)
        #expect(cgroup.stderr.contains("--cgroup no/such/cgroup"))
    }
}

@Suite(.ownThread) struct TraceOutputTests {
    let helper = TraceCommandTests()

    /// Rotation by size: every file under the limit, every line whole JSON, and no
    /// event lost across the files (oldest in FILE.N, newest in FILE).
    @Test(.requiresRoot) func outputRotatesBySizeWithoutLosingEvents() throws {
        try requireRoot()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rotate-\(UUID().uuidString).jsonl").path
        defer { for suffix in ["", ".1", ".2", ".3", ".4", ".5", ".6", ".7", ".8", ".9"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let r = try CLI.run(["trace", "--format", "json", "-o", path, "--rotate-size", "4K", "--rotate-keep", "50",
                             "--", "/bin/sh", "-c", "i=0; while [ $i -lt 30 ]; do /bin/true; i=$((i + 1)); done"])
        #expect(r.status == 0)
        var files = [path]
        var n = 1
        while FileManager.default.fileExists(atPath: "\(path).\(n)") { files.insert("\(path).\(n)", at: 0); n += 1 }
        #expect(files.count >= 3, "expected several files, got \(files)")
        var events: [[String: Any]] = []
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(data.count <= 4096, "\(file) is \(data.count) bytes")
            events += try helper.events(String(decoding: data, as: UTF8.self))
        }
        let times = events.compactMap { $0["time_ns"] as? Int }
        #expect(times == times.sorted(), "files are in order, oldest first")
        // 31 execs (the shell and 30 × true), 30 forks, 31 exits.
        #expect(events.count == 92)
        #expect(r.stderr.contains("events: exec 31, fork 30, exit 31"))
    }

    @Test(.requiresRoot) func humanOutputRotatesToo() throws {
        try requireRoot()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rotate-\(UUID().uuidString).log").path
        defer { for n in 0...20 { try? FileManager.default.removeItem(atPath: n == 0 ? path : "\(path).\(n)") } }
        let r = try CLI.run(["trace", "-o", path, "--rotate-size", "1K", "--rotate-keep", "20",
                             "--", "/bin/sh", "-c", "i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i + 1)); done"])
        #expect(r.status == 0)
        var lines = 0
        var files = 0
        for n in 0...20 {
            guard let data = FileManager.default.contents(atPath: n == 0 ? path : "\(path).\(n)") else { continue }
            files += 1
            #expect(data.count <= 1024)
            lines += String(decoding: data, as: UTF8.self).split(separator: "\n").count
        }
        #expect(files >= 3)
        #expect(lines == 21 + 20 + 21)  // execs, forks, exits: every event is in some file
    }

    /// Writing to a device (such as /dev/null) never rotates it: a rename would put a
    /// plain file where the host expects the device. Checked on a null device node
    /// made for the test, so that a regression cannot break the machine's /dev/null.
    @Test(.requiresRoot) func devicesAreNeverRotated() throws {
        try requireRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-device-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let node = dir + "/null"
        #expect(mknod(node, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)  // major 1, minor 3: the null device
        let r = try CLI.run(["trace", "--format", "json", "-o", node, "--rotate-size", "1K",
                             "--", "/bin/sh", "-c", "i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i + 1)); done"])
        #expect(r.status == 0, "\(r.stderr)")
        var info = stat()
        #expect(stat(node, &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR, "the device node is still a device")
        #expect(!FileManager.default.fileExists(atPath: node + ".1"), "nothing was renamed")
    }

    /// Output that cannot be written (a full disk: /dev/full fails every write with
    /// ENOSPC) is counted and reported, not dropped silently.
    @Test(.requiresRoot) func unwritableOutputIsReported() throws {
        try requireRoot()
        let r = try CLI.run(["trace", "--format", "json", "-o", "/dev/full", "--", "/bin/true"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("bytes not written (No space left on device)"), "\(r.stderr)")
    }

    @Test func badRotationSizeIsRefused() throws {
        let r = try CLI.vigil("trace", "--rotate-size", "big")
        #expect(r.stderr.contains("cannot read rotation size 'big'"))
    }
}

@Suite(.ownThread) struct TraceProcessCacheTests {
    let helper = TraceCommandTests()

    @Test(.requiresRoot) func everyEventNamesItsExecutableAndAncestry() throws {
        try requireRoot()
        let r = try CLI.run(["trace", "--format", "json", "--ancestry", "--", "/bin/sh", "-c", "/bin/sh -c '/bin/true'"])
        let all = try helper.events(r.stdout)
        let inner = try #require(all.first { $0["event"] as? String == "exec" && $0["filename"] as? String == "/bin/true" })
        // The kernel resolves the executable (on merged-/usr systems /bin/true is /usr/bin/true).
        let realTrue = URL(fileURLWithPath: "/bin/true").resolvingSymlinksInPath().path
        let realSh = URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path
        #expect(inner["exe"] as? String == realTrue)
        let chain = try #require(inner["ancestors"] as? [[String: Any]])
        // parent (inner sh), grandparent (outer sh), then vigil itself.
        #expect(chain.count >= 3)
        #expect(chain[0]["pid"] as? Int == inner["ppid"] as? Int)
        #expect(chain[0]["exe"] as? String == realSh)
        #expect(chain[2]["comm"] as? String == "vigil")
        for (child, parent) in zip(chain, chain.dropFirst()) {
            // Every link is a real parent: the process's ppid in /proc, where it still runs.
            let pid = child["pid"] as? Int ?? 0
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 2 {
                #expect(Int(fields[1]) == parent["pid"] as? Int)
            }
        }
        // Fork and exit events of the shells carry the exe their exec set.
        for e in all where e["event"] as? String != "exec" && e["comm"] as? String == "sh" {
            #expect(e["exe"] as? String == realSh)
        }
    }

    /// Without exec, fork and exit among the events asked for, the cache still learns
    /// of processes started after its /proc scan (from the kernel, not by reading
    /// /proc after the fact: a short-lived process is gone by then), and only the
    /// events asked for are written.
    @Test(.requiresRoot) func eventsNameTheExecutableWithoutProcessEventsAskedFor() throws {
        try requireRoot()
        let r = try CLI.run(["trace", "--format", "json", "--events", "open", "--",
                             "/bin/sh", "-c", "/bin/cat /etc/hostname > /dev/null; (/bin/cat /etc/hostname > /dev/null)"])
        #expect(r.status == 0, "\(r.stderr)")
        let all = try helper.events(r.stdout)
        #expect(Set(all.compactMap { $0["event"] as? String }) == ["open"], "only the kind asked for")
        let opens = all.filter { $0["path"] as? String == "/etc/hostname" }
        #expect(opens.count == 2)
        let realCat = URL(fileURLWithPath: "/bin/cat").resolvingSymlinksInPath().path
        for e in opens { #expect(e["exe"] as? String == realCat, "\(e)") }
        // The shell's own opens (its redirections to /dev/null) name the shell.
        let realSh = URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path
        let shell = all.filter { $0["comm"] as? String == "sh" }
        #expect(!shell.isEmpty && shell.allSatisfy { $0["exe"] as? String == realSh }, "\(shell)")
        #expect(r.stderr.contains("events: open"), "\(r.stderr)")
    }
}

@Suite(.ownThread) struct TraceLossTests {
    let helper = TraceCommandTests()

    /// Nothing is lost silently: with a ring too small for an exec record (4.4 KiB in a
    /// 4 KiB ring) every exec is dropped in the kernel, and delivered + lost still adds
    /// up to what the workload did, per event type; the loss is logged while running.
    @Test(.requiresRoot) func lossesAreCountedExactly() throws {
        try requireRoot()
        let r = try CLI.run(["trace", "--format", "json", "--ring-buffer-size", "4K", "--", "/bin/sh", "-c",
                             "i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i + 1)); done; sleep 1.3"])
        #expect(r.status == 0)
        let all = try helper.events(r.stdout)
        let delivered = { (kind: String) in all.filter { $0["event"] as? String == kind }.count }
        #expect(delivered("exec") == 0)
        #expect(r.stderr.contains("[exec 52, fork 0, exit 0]"), "\(r.stderr)")  // sh, 50 × true, sleep
        #expect(delivered("fork") == 51)
        #expect(delivered("exit") == 52)
        #expect(r.stderr.contains("events lost in the kernel in the last second"))
    }

    /// An exec record sent only for the process cache stops before argv (about 600
    /// bytes, not 4.4 KiB): with a 4 KiB ring, /bin/true's exec and opens all fit, and
    /// the opens name their executable. The whole record never fitted (1 lost).
    @Test(.requiresRoot) func cacheOnlyExecRecordsAreSmall() throws {
        try requireRoot()
        let r = try CLI.run(["trace", "--format", "json", "--events", "open", "--ring-buffer-size", "4K", "--", "/bin/true"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("lost: 0 in the kernel"), "\(r.stderr)")
        let opens = try helper.events(r.stdout)
        let realTrue = URL(fileURLWithPath: "/bin/true").resolvingSymlinksInPath().path
        #expect(!opens.isEmpty && opens.allSatisfy { $0["exe"] as? String == realTrue }, "\(opens)")
    }
}

@Suite(.ownThread) struct TracePrivilegeTests {
    /// Without the privileges BPF needs, `vigil trace` says so in one clear line
    /// (no libbpf chatter) and fails.
    @Test(.requiresRoot) func unprivilegedTraceSaysWhatIsMissing() throws {
        try requireRoot()  // to drop to nobody
        // A copy nobody can reach: the checkout may sit under a directory only root can enter.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-nobody-\(UUID().uuidString)").path
        // cp writes the copy, not this process: a descriptor open for writing here would
        // be inherited by any child another test spawns meanwhile, and the exec below
        // would fail with ETXTBSY while that child lives (CI saw it).
        let cp = try CLI.run(["-f", CLI.binary, copy], executable: "/bin/cp")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try #require(cp.status == 0, "\(cp.stderr)")
        chmod(copy, 0o755)
        let r = try CLI.run(["--reuid=65534", "--regid=65534", "--clear-groups", copy, "trace", "--duration", "1s"],
                            executable: "/usr/bin/setpriv")
        #expect(r.status != 0)
        #expect(r.stderr.contains("Operation not permitted; run as root (CAP_BPF and CAP_PERFMON are needed)"), "\(r.stderr)")
        #expect(!r.stderr.contains("libbpf:"))
    }
}
