import Glibc
import VigilSystem

/// What a self-profile shows besides the CPU profile (Velociraptor's
/// Generic.Client.Profile idea): the process's memory, and each of its threads
/// with what it is doing — its state, where it waits in the kernel, its CPU
/// time, and the function its samples spent most time in.
public struct SelfReport: Sendable {
    public let memory: MemoryStatistics?
    public let threads: [ThreadSnapshot]
    /// Per thread name: the hottest function (most self samples) and the samples.
    public let hottest: [String: (function: String, samples: UInt64)]

    public init(pid: Int32 = getpid(), profile: SymbolizedProfile?) {
        memory = try? MemoryStatistics.read(pid)
        threads = ThreadSnapshot.all(of: pid)
        var best: [String: [String: UInt64]] = [:]
        if let profile {
            let stacks = NamedStacks(profile, kind: .cpu, processRoot: true)
            for stack in stacks.stacks where stack.path.count >= 2 {
                let thread = stacks.functions[stack.path[0]].name
                let leaf = stacks.functions[stack.path[stack.path.count - 1]].name
                best[thread, default: [:]][leaf, default: 0] += stack.value
            }
        }
        hottest = best.mapValues { leaves in
            let top = leaves.max { ($0.value, $1.key) < ($1.value, $0.key) }!
            return (top.key, leaves.values.reduce(0, +))
        }
    }

    public func render() -> String {
        var out = ""
        if let m = memory {
            out += "memory: rss \(mb(m.residentBytes)) (peak \(mb(m.peakResidentBytes)); anonymous \(mb(m.anonymousBytes)), files \(mb(m.fileBytes))), virtual \(mb(m.virtualBytes))\n"
            if let used = m.heapInUseBytes, let free = m.heapFreeBytes, let mapped = m.heapMappedBytes {
                out += "malloc: \(mb(used)) in use, \(mb(free)) free in the heap, \(mb(mapped)) mmapped\n"
            }
        }
        out += "threads: \(threads.count)\n"
        out += "   tid  name             state  cpu (user+sys)  waiting in               hottest function (samples)\n"
        for t in threads {
            let cpu = fixed(Double(t.userTicks + t.systemTicks) / Double(ProcFS.ticksPerSecond), 2) + " s"
            let wait = t.tid == ThreadSnapshot.currentThreadID() ? "(writing this report)"
                : t.waitChannel.isEmpty ? (t.syscall.map { "syscall \($0)" } ?? "-") : t.waitChannel
            let hot = hottest[t.name].map { "\($0.function) (\($0.samples))" } ?? "-"
            out += pad(String(t.tid), 6) + "  " + t.name.padding(15) + "  " + String(t.state).padding(5)
            out += pad(cpu, 15) + "  " + wait.padding(23) + "  " + hot + "\n"
        }
        return out
    }

    private func mb(_ bytes: Int64) -> String { fixed(Double(bytes) / 1_048_576, 1) + " MB" }
    /// `v` with `digits` decimals (no Foundation here).
    private func fixed(_ v: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((v * scale).rounded())
        let whole = String(n / Int64(scale))
        guard digits > 0 else { return whole }
        let frac = String(n % Int64(scale))
        return whole + "." + String(repeating: "0", count: digits - frac.count) + frac
    }

    private func pad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}

private extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
