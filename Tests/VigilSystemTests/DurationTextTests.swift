import Testing
import VigilSystem
import VigilTestSupport

/// The one duration grammar every option and file uses.
@Suite(.ownThread) struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Int64(500_000_000)), ("10s", 10_000_000_000), ("2m", 120_000_000_000), ("1h", 3_600_000_000_000),
        ("2m30s", 150_000_000_000), ("1h2m3s4ms", 3_723_004_000_000), ("1h30m", 5_400_000_000_000), ("1s500ms", 1_500_000_000),
        ("1.5s", 1_500_000_000), ("0.1s", 100_000_000), (".5s", 500_000_000), ("1.s", 1_000_000_000), ("0.5h", 1_800_000_000_000),
        ("1.0000000006s", 1_000_000_001), ("1.5ms", 1_500_000),
        ("10", 10_000_000_000), ("0.25", 250_000_000), ("0s", 0), ("0", 0), ("007s", 7_000_000_000),
    ])
    func reads(text: String, nanoseconds: Int64) throws {
        #expect(try DurationText.nanoseconds(text) == nanoseconds)
    }

    @Test func secondsAreTheSameValue() throws {
        #expect(try DurationText.seconds("2m30s") == 150)
        #expect(try DurationText.seconds("250ms") == 0.25)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("soon", "expected a number before 'soon'"),
        ("s", "expected a number before 's'"),
        ("ms", "expected a number before 'ms'"),
        ("-5s", "a duration cannot be negative"),
        ("+1s", "expected a number before '+'"),
        ("10 s", "'10' has no unit"),
        ("1d", "unknown unit 'd' (use h, m, s or ms)"),
        ("10S", "unknown unit 'S' (use h, m, s or ms)"),
        ("1e3", "unknown unit 'e' (use h, m, s or ms)"),
        ("2m30", "'30' has no unit"),
        ("30s2m", "'m' comes twice or after a smaller unit; write the largest unit first, each once (2m30s)"),
        ("1s1s", "'s' comes twice or after a smaller unit; write the largest unit first, each once (2m30s)"),
        ("1.2.3s", "'1.2.3' is not a number"),
        (".s", "'.' is not a number"),
        ("3000000h", "it is too long"),
        ("99999999999999999999s", "it is too long"),
        ("2562047h48m", "it is too long"),
    ])
    func refuses(text: String, reason: String) {
        #expect(throws: DurationError(text: text, reason: reason)) { try DurationText.nanoseconds(text) }
    }

    /// The message names the text, the reason and how to write it.
    @Test func theMessageSaysHowToWriteIt() {
        let error = DurationError(text: "soon", reason: "expected a number before 'soon'")
        #expect(error.description == "cannot read duration 'soon': expected a number before 'soon'; write it like 500ms, 10s, 2m30s or 1h (a plain number is seconds)")
    }
}
