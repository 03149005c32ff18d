import Foundation
import Glibc
import Testing
import VigilTestSupport

/// `vigil doctor` against what the machine says of itself: uname, the files the
/// kernel exposes, and bpftool's dump of the kernel's BTF.
@Suite(.ownThread) struct DoctorTests {
    /// The status ("ok"/"no") and detail of the line for `name`.
    static func line(_ output: String, _ name: String) -> (ok: Bool, detail: String)? {
        for raw in output.split(separator: "\n") {
            let text = raw.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("ok ") || text.hasPrefix("no ") else { continue }
            let rest = text.dropFirst(3).trimmingCharacters(in: .whitespaces)
            guard rest.hasPrefix(name + " ") else { continue }
            return (text.hasPrefix("ok"), rest.dropFirst(name.count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    @Test func kernelFeaturesMatchTheMachine() throws {
        let r = try CLI.run(["doctor"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = r.stdout + r.stderr
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(Self.line(out, "kernel")?.detail == release, "\(out)")
        let btf = FileManager.default.fileExists(atPath: "/sys/kernel/btf/vmlinux")
        #expect(Self.line(out, "BTF (/sys/kernel/btf/vmlinux)")?.ok == btf, "\(out)")
        let kprobes = FileManager.default.fileExists(atPath: "/sys/bus/event_source/devices/kprobe")
        #expect(Self.line(out, "kprobes")?.ok == kprobes, "\(out)")

        // The kfunc the file sensors call, by bpftool's listing of the kernel's functions.
        let doctorSays = try #require(Self.line(out, "kfunc bpf_rdonly_cast"), "\(out)")
        let dump = try CLI.run(["btf", "dump", "file", "/sys/kernel/btf/vmlinux"], executable: "/usr/sbin/bpftool")
        if dump.status == 0 {
            #expect(doctorSays.ok == dump.stdout.contains("FUNC 'bpf_rdonly_cast'"), "\(out)")
        } else {
            #expect(ProcessInfo.processInfo.environment["CI"] != "true", "bpftool could not dump the kernel's BTF: \(dump.stderr)")
        }
    }

    /// SQL and scheduled queries need no privilege: doctor says they work for any user.
    @Test func queriesWorkForAnyUser() throws {
        let r = try CLI.run(["doctor"])
        let out = r.stdout + r.stderr
        for name in ["vigil query (SQL over /proc, /sys, /etc)", "vigil agent: scheduled queries"] {
            #expect(Self.line(out, name)?.ok == true, "\(name): \(out)")
        }
    }

    /// Each feature line says whether it works here; run privileged, every one does
    /// (the sensors are loaded and attached for real), and none is "not in this version".
    @Test(.requiresRoot) func everyFeatureWorksWhenPrivileged() throws {
        try requireRoot()
        let r = try CLI.run(["doctor"])
        let out = r.stdout + r.stderr
        for name in ["vigil query (SQL over /proc, /sys, /etc)", "vigil agent: scheduled queries",
                     "vigil trace: exec, fork, exit", "vigil trace: syscalls", "vigil trace: open, read, write",
                     "vigil trace: connect, accept, close", "vigil trace: kill rules", "vigil profile",
                     "vigil agent: event tables", "vigil agent: continuous profiling"] {
            #expect(Self.line(out, name)?.ok == true, "\(name): \(out)")
        }
        #expect(!out.contains("not in this version"), "\(out)")
    }

    /// BPF LSM and fentry against bpftool's own probe of the program types: a type
    /// bpftool cannot load, doctor must not call usable; one doctor loads (and, for
    /// fentry, attaches), bpftool must find available.
    @Test(.requiresRoot) func lsmAndFentryAgreeWithBpftool() throws {
        try requireRoot()
        let probe = try CLI.run(["feature", "probe", "kernel"], executable: "/usr/sbin/bpftool")
        try #require(probe.status == 0, "bpftool: \(probe.stderr)")
        let out = try CLI.run(["doctor"]).stdout
        for (type, name) in [("lsm", "BPF LSM programs"), ("tracing", "BPF fentry/fexit programs")] {
            let bpftool = probe.stdout.contains("eBPF program_type \(type) is available")
            let doctor = try #require(Self.line(out, name), "no '\(name)' line: \(out)")
            if !bpftool { #expect(!doctor.ok, "\(name): bpftool cannot load \(type) programs, doctor says \(doctor.detail)") }
            if doctor.ok { #expect(bpftool, "\(name): doctor loads one, bpftool says \(type) is not available") }
            #expect(!doctor.detail.isEmpty)
        }
    }
}
