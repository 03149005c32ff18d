import Benchmark
import CProfileCostWorkload
import CVigilBPF
import Glibc
import VigilProfile

/// Per-sample cost of the CPU profiler in user space, caches warm (issue 4): unwinding
/// a user stack from the copied registers and stack with .eh_frame rules, naming one
/// sample's frames, and the whole path a ring-buffer record takes (decode, unwind,
/// address resolution and trace de-duplication in `ProfileBuilder`).
///
/// The stack is real: a thread of this process, inside nested C functions built
/// without frame pointers (CProfileCostWorkload), is interrupted by a signal whose
/// handler copies rip, rsp, rbp and 16 KiB from rsp, as bpf/profile.bpf.c does. The
/// thread is gone when the benchmarks run; its stack copy and this process's
/// mappings are all the unwinder needs.
let benchmarks: @Sendable () -> Void = {
    // Symbolizing takes a few µs: 1,000 per measurement. Unwinding takes tens of µs:
    // one per measurement, so that p99 has thousands of samples under it.
    let fast = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo,
                                       maxDuration: .seconds(3), maxIterations: 1_000)
    let slow = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .one,
                                       maxDuration: .seconds(3), maxIterations: 100_000)

    let pid = getpid()
    let verbose = getenv("PROFILE_COST_VERBOSE") != nil

    struct Captured {
        let registers: profile_cost_capture
        let stack: [UInt8]
    }

    func capture(depth: UInt32) -> Captured {
        var registers = profile_cost_capture()
        var stack = [UInt8](repeating: 0, count: Int(PROFILE_COST_STACK_COPY))
        let rc = stack.withUnsafeMutableBufferPointer { profile_cost_capture_stack(depth, &registers, $0.baseAddress) }
        precondition(rc == 0, "could not capture a stack")
        return Captured(registers: registers, stack: Array(stack.prefix(Int(registers.stack_len))))
    }

    func unwind(_ c: Captured, with unwinder: DwarfUnwinder) -> (frames: [UInt64], status: UnwindStatus) {
        c.stack.withUnsafeBytes {
            unwinder.unwind(pid: pid, ip: c.registers.ip, sp: c.registers.sp, bp: c.registers.bp, stack: $0)
        }
    }

    // A few kernel functions a sample taken in a read(2) would show, leaf first.
    let kernelSymbols = try? KernelSymbols.read()
    var kernelStack: [UInt64] = []
    if let k = kernelSymbols, !k.addressesHidden {
        for name in ["vfs_read", "ksys_read", "x64_sys_call", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"] {
            // A return address inside the function, past its first instruction.
            if let e = k.symbols.first(named: name) { kernelStack.append(e.address + min(max(e.size / 2, 1), 32)) }
        }
    }

    // Two stacks: the nested functions only, and the same under 24 recursive calls.
    let stacks = [("shallow", capture(depth: 0)), ("deep", capture(depth: 24))]

    for (label, captured) in stacks {
        let probe = DwarfUnwinder()
        let (frames, status) = unwind(captured, with: probe)

        let builder = ProfileBuilder(frequency: 19)
        let sample = RawSample(pid: pid, tid: pid, comm: "profile-cost", kernelStack: kernelStack,
                               userStack: frames, userUnwind: status)
        builder.add(sample)
        let profile = builder.finish()
        let symbolizer = Symbolizer(kernelSymbols: kernelSymbols)
        let names = symbolizer.symbolize(profile)
        if verbose {
            print("\(label): \(captured.registers.stack_len) bytes copied, \(frames.count) user frames, \(status), \(kernelStack.count) kernel frames")
            for name in names.names { print("  \(name.function)  \(name.file)") }
        }

        let shape = "\(frames.count) frames, \(status)"

        // 1. The unwinder alone, tables and mappings loaded by a first unwind.
        // The closure runs once per measurement: state made on the first run is kept.
        let unwindState = Lazy { () -> DwarfUnwinder in
            let unwinder = DwarfUnwinder()
            blackHole(unwind(captured, with: unwinder))
            return unwinder
        }
        Benchmark("unwind: one user stack, \(label) (\(shape); .eh_frame, no frame pointers)", configuration: slow) { benchmark in
            let unwinder = unwindState.value
            captured.stack.withUnsafeBytes { stack in
                let r = captured.registers
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(unwinder.unwind(pid: pid, ip: r.ip, sp: r.sp, bp: r.bp, stack: stack))
                }
                benchmark.stopMeasurement()
            }
        }

        // 2. Naming the sample's frames (user and kernel): symbol tables loaded, names
        // demangled once before. The writers do this once per distinct frame.
        let symbolizerState = Lazy { () -> Symbolizer in
            let symbolizer = Symbolizer(kernelSymbols: kernelSymbols)
            blackHole(symbolizer.symbolize(profile))
            return symbolizer
        }
        Benchmark("symbolize: one sample, \(label) (\(frames.count) user + \(kernelStack.count) kernel frames)", configuration: fast) { benchmark in
            let symbolizer = symbolizerState.value
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(symbolizer.symbolize(profile))
            }
            benchmark.stopMeasurement()
        }

        // 3. What every sample costs on the consumer thread: the ring-buffer record
        // decoded (SampleDecoder), its user stack unwound, added to a ProfileBuilder
        // (addresses to file and ELF address, trace hash, count). SampleConsumer does
        // this; it is internal, so its steps are repeated here.
        let record = makeRecord(pid: pid, registers: captured.registers, stack: captured.stack, kernel: kernelStack)
        let consumerState = Lazy { (DwarfUnwinder(), ProfileBuilder(frequency: 19)) }
        Benchmark("per sample: decode + unwind + ProfileBuilder.add, \(label) (\(frames.count) user + \(kernelStack.count) kernel frames)", configuration: slow) { benchmark in
            let (unwinder, builder) = consumerState.value
            func consume(_ bytes: UnsafeRawBufferPointer) {
                guard case .sample(let s)? = SampleDecoder.record(bytes) else { fatalError("undecodable record") }
                var raw = s.raw
                (raw.userStack, raw.userUnwind) = unwinder.unwind(pid: raw.pid, ip: s.ip, sp: s.sp, bp: s.bp, stack: s.stack)
                builder.add(raw)
            }
            record.withUnsafeBytes { bytes in
                consume(bytes)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    consume(bytes)
                }
                benchmark.stopMeasurement()
            }
        }
    }
}

/// Made on first use, then kept across the runs of a benchmark's closure.
final class Lazy<T> {
    private let make: () -> T
    private var made: T?
    init(_ make: @escaping () -> T) { self.make = make }
    var value: T {
        if let made { return made }
        let v = make()
        made = v
        return v
    }
}

/// A sampler record as bpf/profile.bpf.c writes it: the fixed part, then the stack
/// copy after `user[]` (Swift does not import the C `stack` member).
func makeRecord(pid: Int32, registers: profile_cost_capture, stack: [UInt8], kernel: [UInt64]) -> [UInt8] {
    var s = vigil_profile_sample()
    s.kind = UInt32(VIGIL_SAMPLE_CPU.rawValue)
    s.pid = UInt32(bitPattern: pid)
    s.tid = UInt32(bitPattern: pid)
    s.value = 1
    withUnsafeMutableBytes(of: &s.comm) { c in for (i, b) in "profile-cost".utf8.enumerated() { c[i] = b } }
    s.kernel_frames = Int32(kernel.count)
    withUnsafeMutableBytes(of: &s.kernel) { k in for (i, a) in kernel.enumerated() { k.storeBytes(of: a, toByteOffset: i * 8, as: UInt64.self) } }
    s.user_frames = 0
    s.ip = registers.ip
    s.sp = registers.sp
    s.bp = registers.bp
    s.stack_len = UInt32(stack.count)
    s.flags = kernel.isEmpty ? 0 : UInt32(VIGIL_SAMPLE_IN_KERNEL.rawValue)
    // The program this process runs, as the sampler records it (stat fields 26 and 28).
    if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
       let close = stat.lastIndex(of: ")") {
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        s.start_code = UInt64(fields[26 - 3]) ?? 0
        s.start_stack = UInt64(fields[28 - 3]) ?? 0
    }
    let stackOffset = MemoryLayout<vigil_profile_sample>.offset(of: \.user)! + Int(VIGIL_STACK_DEPTH) * 8
    var bytes = [UInt8](repeating: 0, count: max(MemoryLayout<vigil_profile_sample>.size, stackOffset + stack.count))
    bytes.withUnsafeMutableBytes { out in
        withUnsafeBytes(of: s) { out.copyMemory(from: $0) }
        out.baseAddress!.advanced(by: stackOffset).copyMemory(from: stack, byteCount: stack.count)
    }
    return bytes
}
