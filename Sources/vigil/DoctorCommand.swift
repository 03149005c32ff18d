import ArgumentParser
import Logging
import VigilBPF
import VigilSystem
import VigilTrace

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "What this kernel and these privileges allow, and what will not work here and why."
    )

    func run() throws {
        Vigil.bootstrapLogging(verbose: false)
        BPFLogging.install(Logger(label: "vigil.doctor"))
        let out = Output(fd: 1)
        out.line("Kernel and privileges")
        for c in KernelFeatures.probe() {
            out.line("  \(c.available ? "ok  " : "no  ") \(c.name.padded(to: 40, minimumGap: 1)) \(c.detail)")
        }
        out.line()
        out.line("Vigil features")
        let sensor: (Bool, String)
        do {
            // Load and attach for real, then detach: the only honest test.
            var options = ProcessSensorOptions()
            options.pids = []
            options.ringBufferBytes = 1 << 16
            let s = try ProcessSensor(options: options)
            s.detach()
            sensor = (true, "BPF programs load and attach (tp_btf/sched_process_{exec,fork,exit})")
        } catch {
            sensor = (false, "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)")
        }
        out.line("  ok   \("vigil query (SQL over /proc, /sys, /etc)".padded(to: 40, minimumGap: 1)) no privileges needed; some columns need root")
        out.line("  \(sensor.0 ? "ok  " : "no  ") \("vigil trace: exec, fork, exit".padded(to: 40, minimumGap: 1)) \(sensor.1)")
        out.line("  \("no  ") \("vigil trace: syscalls, network, files".padded(to: 40, minimumGap: 1)) not in this version")
        out.line("  \("no  ") \("vigil profile, vigil agent".padded(to: 40, minimumGap: 1)) not in this version")
        out.flush()
    }
}
