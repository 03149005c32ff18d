import Testing
@testable import VigilTrace
import VigilTestSupport

/// The count action over windows, with a clock the test moves.
@Suite(.ownThread) struct PolicyAggregatorTests {
    static let second: Int64 = 1_000_000_000
    /// 2026-01-01T00:00:00Z, a multiple of 10 s.
    static let t0: Int64 = 1_767_225_600 * second

    func read(_ comm: String, _ path: String, _ bytes: Int64?) -> FakeEvent {
        var f: [String: FieldValue] = ["comm": .string(comm), "path": .string(path)]
        if let bytes { f["bytes"] = .integer(bytes) }
        return FakeEvent(.read, f)
    }

    func spec() -> CountSpec {
        var s = CountSpec(by: ["comm", "path"], windowNanoseconds: 10 * Self.second)
        (s.sum, s.min, s.max, s.avg, s.histogram) = (["bytes"], ["bytes"], ["bytes"], ["bytes"], ["bytes"])
        return s
    }

    @Test func twoWindows() {
        let a = Aggregator(rule: "bytes-by-path", spec: spec())
        let t0 = Self.t0, s = Self.second
        a.add(read("cat", "/etc/hosts", 0), now: t0 + 1 * s)
        a.add(read("cat", "/etc/hosts", 1), now: t0 + 2 * s)
        a.add(read("cat", "/etc/hosts", 3), now: t0 + 3 * s)
        a.add(read("cat", "/etc/hosts", 4096), now: t0 + 4 * s)
        a.add(read("cat", "/etc/hosts", 5000), now: t0 + 5 * s)
        a.add(read("less", "/etc/hosts", nil), now: t0 + 6 * s)
        // Nothing has ended yet.
        #expect(a.flush(now: t0 + 9 * s).isEmpty)
        // An event in the next window closes the first.
        a.add(read("cat", "/etc/hosts", 7), now: t0 + 11 * s)

        let first = a.flush(now: t0 + 12 * s)
        #expect(first == [
            #"{"time":"2026-01-01T00:00:00.000000000Z","event":"aggregate","rule":"bytes-by-path","window_s":10,"#
                + #""group":{"comm":"cat","path":"/etc/hosts"},"count":5,"sum_bytes":9100,"min_bytes":0,"max_bytes":5000,"#
                + #""avg_bytes":1820.0,"histogram_bytes":{"0":1,"1":1,"2-3":1,"4096-8191":2}}"#,
            #"{"time":"2026-01-01T00:00:00.000000000Z","event":"aggregate","rule":"bytes-by-path","window_s":10,"#
                + #""group":{"comm":"less","path":"/etc/hosts"},"count":1,"sum_bytes":0,"min_bytes":null,"max_bytes":null,"#
                + #""avg_bytes":null,"histogram_bytes":{}}"#,
        ])
        // Flushed lines are not repeated; the second window ends at t0 + 20 s.
        #expect(a.flush(now: t0 + 19 * s).isEmpty)
        let second = a.flush(now: t0 + 20 * s)
        #expect(second == [
            #"{"time":"2026-01-01T00:00:10.000000000Z","event":"aggregate","rule":"bytes-by-path","window_s":10,"#
                + #""group":{"comm":"cat","path":"/etc/hosts"},"count":1,"sum_bytes":7,"min_bytes":7,"max_bytes":7,"#
                + #""avg_bytes":7.0,"histogram_bytes":{"4-7":1}}"#,
        ])
        #expect(a.flush(now: t0 + 100 * s).isEmpty)
    }

    @Test func histogramBuckets() {
        typealias M = Aggregator.Measure
        #expect(M.bucket(-1) == 0)
        #expect(M.bucket(0) == 1)
        #expect(M.bucket(1) == 2)
        #expect(M.bucket(2) == 3 && M.bucket(3) == 3)
        #expect(M.bucket(4) == 4 && M.bucket(7) == 4)
        #expect(M.bucket(8) == 5)
        #expect(M.bucket(Int64.max) == 64)
        #expect(Aggregator.bucketLabel(0) == "<0")
        #expect(Aggregator.bucketLabel(1) == "0")
        #expect(Aggregator.bucketLabel(2) == "1")
        #expect(Aggregator.bucketLabel(3) == "2-3")
        #expect(Aggregator.bucketLabel(4) == "4-7")
        #expect(Aggregator.bucketLabel(64) == "4611686018427387904-9223372036854775807")
        var m = M(histogram: [Int](repeating: 0, count: 65))
        for v: Int64 in [-5, 0, 1, 2, 3, 4, 7, 8, 1023, 1024] { m.record(v) }
        #expect(Aggregator.histogram(m.histogram) == #"{"<0":1,"0":1,"1":1,"2-3":2,"4-7":2,"8-15":1,"512-1023":1,"1024-2047":1}"#)
        #expect(m.n == 10 && m.min == -5 && m.max == 1024)
    }

    @Test func groupCapCountsDrops() {
        var s = CountSpec(by: ["path"], windowNanoseconds: 10 * Self.second)
        s.sum = ["bytes"]
        let a = Aggregator(rule: "cap", spec: s, maxGroups: 2)
        for (i, path) in ["/a", "/b", "/c", "/a", "/d", "/c", "/b"].enumerated() {
            a.add(read("x", path, 1), now: Self.t0 + Int64(i))
        }
        let lines = a.flush(now: Self.t0 + 10 * Self.second)
        #expect(lines.count == 2)
        #expect(lines[0].hasSuffix(#""group":{"path":"/a"},"count":2,"sum_bytes":2,"dropped_groups":2,"dropped_events":3}"#))
        #expect(lines[1].hasSuffix(#""group":{"path":"/b"},"count":2,"sum_bytes":2}"#))
        // The cap is per window: the next window starts empty.
        a.add(read("x", "/c", 1), now: Self.t0 + 10 * Self.second)
        let next = a.flush(now: Self.t0 + 20 * Self.second)
        #expect(next.count == 1)
        #expect(next[0].hasSuffix(#""group":{"path":"/c"},"count":1,"sum_bytes":1}"#))
    }

    @Test func finalFlushMarksPartial() {
        let a = Aggregator(rule: "p", spec: CountSpec(by: [], windowNanoseconds: Self.second / 2))
        a.add(read("x", "/a", 1), now: Self.t0 + 100)
        #expect(a.flush(now: Self.t0 + 200).isEmpty)
        #expect(a.flush(now: Self.t0 + 300, final: true) == [
            #"{"time":"2026-01-01T00:00:00.000000000Z","event":"aggregate","rule":"p","window_s":0.5,"group":{},"count":1,"partial":true}"#,
        ])
    }

    @Test func groupValuesOfEveryType() {
        let a = Aggregator(rule: "t", spec: CountSpec(by: ["argv", "args_truncated", "exit_code", "filename", "ppid"], windowNanoseconds: Self.second))
        a.add(FakeEvent(.exec, ["argv": .strings(["a", "b\"c"]), "args_truncated": .boolean(false), "filename": .string("/x\n")]), now: 0)
        #expect(a.flush(now: Self.second) == [
            #"{"time":"1970-01-01T00:00:00.000000000Z","event":"aggregate","rule":"t","window_s":1,"#
                + #""group":{"argv":["a","b\"c"],"args_truncated":false,"exit_code":null,"filename":"/x\n","ppid":null},"count":1}"#,
        ])
    }

    /// Windows come from the engine's clock; two count rules keep apart.
    @Test func engineFeedsAggregators() throws {
        let yaml = """
            sources: {file: [read, write]}
            rules:
              - {name: r, event: read, actions: [{count: {by: comm, window: 1s}}]}
              - {name: w, event: write, match: {bytes: {gt: 10}}, actions: [{count: {window: 1s, sum: bytes}}, log]}
            """
        var now = Self.t0
        let engine = RuleEngine(policy: try Policy.parse(yaml, file: "a.yaml"), clock: { now })
        _ = engine.evaluate(read("cat", "/a", 5))
        _ = engine.evaluate(read("cat", "/b", 5))
        #expect(engine.evaluate(FakeEvent(.write, ["bytes": .integer(100)])) == Verdict(write: true))
        #expect(engine.evaluate(FakeEvent(.write, ["bytes": .integer(5)])) == Verdict(write: false))
        #expect(engine.flush().isEmpty)
        now += Self.second
        #expect(engine.flush() == [
            #"{"time":"2026-01-01T00:00:00.000000000Z","event":"aggregate","rule":"r","window_s":1,"group":{"comm":"cat"},"count":2}"#,
            #"{"time":"2026-01-01T00:00:00.000000000Z","event":"aggregate","rule":"w","window_s":1,"group":{},"count":1,"sum_bytes":100}"#,
        ])
        #expect(engine.finish().isEmpty)
    }
}
