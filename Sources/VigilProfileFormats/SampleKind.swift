/// What a sample measures: time on a CPU (a cpu-clock tick) or time spent
/// waiting off it (from sched_switch, in nanoseconds).
public enum SampleKind: UInt8, Sendable, Hashable, CaseIterable {
    case cpu
    case offCPU
}
