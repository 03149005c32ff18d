// Profiling workload: Swift allocation churn, so samples land in libswiftCore's
// swift_retain/swift_release, which have no call frame information and are called
// through the PLT. Usage: retain N
final class Box { var v = 0; var next: Box? }
@inline(never) func churn(_ n: Int) -> Int {
    var keep: [Box] = []
    var s = 0
    for i in 0..<n { let b = Box(); b.v = i; b.next = keep.last; keep.append(b); if keep.count > 64 { keep.removeAll(keepingCapacity: true) }; s &+= b.v }
    return s
}
print(churn(Int(CommandLine.arguments[1])!) > 0 ? "ok" : "no")
