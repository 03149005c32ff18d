import Foundation
import Testing
@testable import VigilSystem
import VigilTestSupport

@Suite(.ownThread) struct ProcParsingTests {
    @Test func statWithSpacesAndParensInTheName() throws {
        let text = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 5 2 0 12345 1000000 250 18446744073709551615"
        let st = try #require(ProcessStat.parse(Array(text.utf8)))
        #expect(st.pid == 4242)
        #expect(st.name == "a) b (c)")
        #expect(st.state == "S")
        #expect(st.parent == 1)
        #expect(st.userTicks == 7)
        #expect(st.systemTicks == 3)
        #expect(st.nice == 5)
        #expect(st.threads == 2)
        #expect(st.startTicks == 12345)
        #expect(st.virtualBytes == 1000000)
        #expect(st.residentPages == 250)
    }

    @Test func truncatedStatIsRejected() {
        #expect(ProcessStat.parse(Array("12 (x) S 1 2".utf8)) == nil)
        #expect(ProcessStat.parse(Array("garbage".utf8)) == nil)
    }

    @Test func ownStatMatchesTheKernel() throws {
        let st = try ProcessStat.read(getpid())
        #expect(st.pid == getpid())
        #expect(st.parent == getppid())
        let comm = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(st.name == comm)
    }

    @Test func statusIds() throws {
        let s = try ProcessStatus.read(getpid())
        #expect(s.uids.first == Int64(getuid()))
        #expect(s.gids.first == Int64(getgid()))
        #expect(s.residentBytes > 0)
    }

    @Test func goneProcessIsReportedAsGone() {
        do {
            _ = try ProcessStat.read(Int32.max - 1)
            Issue.record("read a process that cannot exist")
        } catch {
            #expect(error.isGone)
        }
        #expect(throws: ProcessGone.self) {
            _ = try ProcFS.attempt(Int32.max - 1) { () throws(SystemError) in try ProcFS.cmdline(Int32.max - 1) }
        }
    }

    @Test func cmdlineJoinsArguments() throws {
        #expect(try ProcFS.cmdline(getpid()) == CommandLine.arguments.joined(separator: " "))
        #expect(try ProcFS.arguments(getpid()) == CommandLine.arguments)
    }

    @Test func fileReadHandlesLargeAndEmptyFiles() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-read-\(UUID().uuidString)")
        let data = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try FileSystem.read(url.path) == Array(data))
        #expect(try FileSystem.read(url.path, limit: 1000).count == 1000)
        #expect(try FileSystem.read("/proc/self/environ").count >= 0)
        #expect(throws: SystemError.self) { try FileSystem.read("/nonexistent/vigil") }
    }

    @Test func digestsOfKnownVectors() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-abc-\(UUID().uuidString)")
        try Data("abc".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let d = try Digest.hashFile(url.path, algorithms: [.md5, .sha1, .sha256])
        // FIPS 180-2 and RFC 1321 test vectors for "abc".
        #expect(d[.md5] == "900150983cd24fb0d6963f7d28e17f72")
        #expect(d[.sha1] == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(d[.sha256] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite(.ownThread) struct LineSplittingTests {
    @Test func crlfAndLfLines() {
        #expect(FileSystem.lines("a\r\nb\nc\r\n\r\nd") == ["a", "b", "c", "d"])
    }
}

@Suite(.ownThread) struct JSONLineTests {
    @Test func encodesEveryFieldKind() throws {
        let line = JSONLine(capacity: 8)
        line.begin()
        line.field("n", -42)
        line.field("big", Int64.min)
        line.field("zero", 0)
        line.field("ok", true)
        line.field("s", "a\"b\\c\n\u{1}é")
        line.field("none", Int32?.none)
        line.field("list", ["x", "y\"z"])
        line.end()
        let text = String(decoding: line.bytes, as: UTF8.self)
        #expect(text == "{\"n\":-42,\"big\":-9223372036854775808,\"zero\":0,\"ok\":true,\"s\":\"a\\\"b\\\\c\\n\\u0001é\",\"none\":null,\"list\":[\"x\",\"y\\\"z\"]}\n")
        let parsed = try JSONSerialization.jsonObject(with: Data(line.bytes)) as? [String: Any]
        #expect(parsed?["s"] as? String == "a\"b\\c\n\u{1}é")
        line.begin()
        line.field("again", 1)
        line.end()
        #expect(String(decoding: line.bytes, as: UTF8.self) == "{\"again\":1}\n")
    }

    @Test func timeFieldMatchesTheClockFormatter() {
        let line = JSONLine(capacity: 8)
        for ns: Int64 in [1_795_283_646_000_000_007, 1_795_283_646_123_456_789, 1_795_283_647_000_000_000, 0] {
            line.begin()
            line.timeField("time", nanoseconds: ns)
            line.end()
            #expect(String(decoding: line.bytes, as: UTF8.self) == "{\"time\":\"\(Clock.iso8601(nanoseconds: ns))\"}\n")
        }
    }

    /// The time and its nanosecond count share the second's cached digits: each must
    /// still be what the formatter and plain integer printing say, in and across seconds.
    @Test func timeThenNanosecondsMatchesBothFormatters() {
        let line = JSONLine(capacity: 8)
        for ns: Int64 in [1_795_283_646_000_000_007, 1_795_283_646_123_456_789, 1_795_283_647_000_000_000, 1_795_283_647_999_999_999,
                          999_999_999, 1_000_000_000, 5, 0] {
            line.reset()
            line.appendTime(nanoseconds: ns, thenNumberAfter: ",")
            #expect(String(decoding: line.bytes, as: UTF8.self) == "\"\(Clock.iso8601(nanoseconds: ns))\",\(ns)", "\(ns)")
        }
    }

    @Test func quotedBytesAreEscapedAsStringsAre() {
        let line = JSONLine(capacity: 8)
        for text in ["plain/path", "", "tab\there", "quote\"and\\slash", "é non-ascii \"", "\u{1}\u{1f}"] {
            line.reset()
            Array(text.utf8).withUnsafeBytes { line.appendQuoted(bytes: $0) }
            let viaBytes = String(decoding: line.bytes, as: UTF8.self)
            line.reset()
            line.appendQuoted(text)
            #expect(viaBytes == String(decoding: line.bytes, as: UTF8.self), "\(text)")
        }
        line.reset()
        [UInt8(0xff), UInt8(ascii: "a")].withUnsafeBytes { line.appendQuoted(bytes: $0) }
        #expect(String(decoding: line.bytes, as: UTF8.self) == "\"\u{fffd}a\"")
    }
}
