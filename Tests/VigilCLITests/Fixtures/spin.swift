// Profiling workload (Swift, built with plain `swiftc -O`: no frame pointers, and no
// call frame information for these functions). Usage: spin-swift N
@inline(never) func leaf(_ x: Double) -> Double { var y = x; for _ in 0..<2000 { y = y * 1.0000001 + 0.5 }; return y }
@inline(never) func middle(_ x: Double) -> Double { leaf(x) + leaf(x + 1) }
@inline(never) func top(_ x: Double) -> Double { middle(x) * 0.5 }
let n = Int(CommandLine.arguments[1])!
var s = 0.0
for i in 0..<n { s += top(Double(i)) }
print(s > 0 ? "ok" : "no")
