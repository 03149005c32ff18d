// Profiling workload with a known answer (see proportion.c): alpha, beta and gamma
// take 50%, 30% and 20% of the CPU time. Runs until it has used SECONDS of CPU. Usage: proportion SECONDS
import Glibc

@inline(__always) func chain(_ x: Double, _ n: Int) -> Double { var y = x; for _ in 0..<n { y = y * 1.0000001 + 0.5 }; return y }
@inline(never) func alpha(_ x: Double) -> Double { chain(x, 5000) }
@inline(never) func beta(_ x: Double) -> Double { chain(x, 3000) }
@inline(never) func gamma(_ x: Double) -> Double { chain(x, 2000) }
func now() -> Double { var t = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }

let end = now() + Double(CommandLine.arguments[1])!
var s = 0.0
while now() < end {
    for i in 0..<100 { s += alpha(Double(i)) + beta(Double(i)) + gamma(Double(i)) }
}
print(s > 0 ? "ok" : "no")
