import NIOCore
import Testing
@testable import VigilServer
import VigilTestSupport

/// The enrollment limit's arithmetic and its idea of a source.
@Suite(.ownThread) struct EnrollLimiterTests {
    @Test func aSourceSpendsItsBurstThenWaitsForTheRefill() {
        let limiter = EnrollLimiter(rate: EnrollRate(perSecond: 2, burst: 3))
        #expect((0..<3).map { _ in limiter.admit("a", now: 100) } == [nil, nil, nil])
        #expect(limiter.admit("a", now: 100) == 1, "one token back in half a second: wait 1 s")
        #expect(limiter.admit("b", now: 100) == nil, "another source is not affected")
        #expect(limiter.admit("a", now: 100.5) == nil)
        // A refused secret costs ten: at two a second that is five seconds.
        limiter.chargeFailure("a", now: 100.5)
        #expect(limiter.admit("a", now: 101) == 5)
        #expect(limiter.admit("a", now: 105.5) == nil)
    }

    @Test func zeroTurnsTheLimitOff() throws {
        let limiter = EnrollLimiter(rate: try EnrollRate("0"))
        #expect((0..<10_000).allSatisfy { _ in limiter.admit("a", now: 1) == nil })
    }

    @Test func ratesAreParsedOrRefusedWithTheForm() throws {
        #expect(try EnrollRate("20:200") == EnrollRate(perSecond: 20, burst: 200))
        #expect(try EnrollRate("5") == EnrollRate(perSecond: 5, burst: 50))
        #expect(try EnrollRate("0.5") == EnrollRate(perSecond: 0.5, burst: 5))
        for bad in ["", "fast", "-1", "10:0", "1:2:3", "inf"] {
            #expect(throws: EnrollRateError.self, "\(bad)") { try EnrollRate(bad) }
        }
        do { _ = try EnrollRate("fast") } catch { #expect(error.description.contains("PER_SECOND[:BURST]")) }
    }

    @Test func anIPv6SourceIsItsSlash64AndAMappedIPv4IsTheIPv4() throws {
        let a = try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1)
        let b = try SocketAddress(ipAddress: "2001:db8:1:2:bbbb::9", port: 2)
        let c = try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1)
        #expect(EnrollLimiter.source(a) == EnrollLimiter.source(b))
        #expect(EnrollLimiter.source(a) != EnrollLimiter.source(c))
        #expect(EnrollLimiter.source(a) == "20010db800010002::/64")
        #expect(EnrollLimiter.source(try SocketAddress(ipAddress: "::ffff:10.1.2.3", port: 1)) == "10.1.2.3")
        #expect(EnrollLimiter.source(try SocketAddress(ipAddress: "10.1.2.3", port: 1)) == "10.1.2.3")
        #expect(EnrollLimiter.source(nil) == "unknown")
    }
}
