import Testing
@testable import VigilAgent
import VigilTestSupport

/// osquery_flags' rows against the config parser: every option the agent acts on is
/// listed, and the values are those the parser typed.
@Suite(.ownThread) struct AgentFlagsTests {
    @Test func everyTypedOptionIsAFlag() {
        let names = Set(AgentFlags.all.map(\.name))
        #expect(ConfigParser.typedOptions.subtracting(names).isEmpty, "\(ConfigParser.typedOptions.subtracting(names).sorted())")
        #expect(names.count == AgentFlags.all.count, "a flag is listed twice")
    }

    @Test func valuesAreTheParsedOptions() throws {
        let config = try ConfigLoader.parse("""
            options:
              watchdog_memory_limit: 300
              logger_plugin: filesystem,stdout
              logger_rotate: false
              profiling_interval: 30
              probabilistic_threshold: 50
              admin_query_timeout: 2.5
              logger_min_status: 2
            """, file: "agent.yaml").config
        let settings = AgentFlags.Settings(options: config.options)
        let value = Dictionary(uniqueKeysWithValues: AgentFlags.all.map { ($0.name, $0.value(settings)) })
        #expect(value["watchdog_memory_limit"] == "300" && value["logger_plugin"] == "filesystem,stdout" && value["logger_rotate"] == "false")
        #expect(value["profiling_interval"] == "30" && value["probabilistic_threshold"] == "50" && value["admin_query_timeout"] == "2.5")
        #expect(value["logger_min_status"] == "2")
        // Unset: the watchdog's latency limit (12 s at level 0) less 2 s, as the admin socket uses it.
        #expect(AgentFlags.all.first { $0.name == "admin_query_timeout" }?.defaultValue == "10")
    }

    @Test func discoveryCountsRunsAndCachedChecks() {
        var d = PackDiscovery(queries: ["p": ["SELECT 1"]], refreshInterval: 60, now: 100)
        #expect(!d.check("p") && d.counts["p"] == nil, "a check before discovery ran is not a cache hit")
        d.record(pack: "p", enabled: true, at: 100)
        #expect(d.check("p") && d.check("p") && d.check("other"))
        #expect(d.counts["p"] == PackDiscovery.Counts(executions: 1, cacheHits: 2) && d.counts["other"] == nil)
    }
}
