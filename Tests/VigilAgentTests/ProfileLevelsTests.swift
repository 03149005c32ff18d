import Testing
@testable import VigilAgent
import VigilTestSupport

/// Thresholds and ranking as osquery's tools/analysis/profile.py has them.
@Suite(.ownThread) struct ProfileLevelsTests {
    @Test func thresholdsAreProfilePys() {
        #expect(ProfileLevels.thresholds(.utilization) == [8, 20, 50])
        #expect(ProfileLevels.thresholds(.cpuTime) == [0.4, 1, 10])
        #expect(ProfileLevels.thresholds(.memory) == [8_388_608, 12_582_912, 25_165_824])
        #expect(ProfileLevels.thresholds(.fds) == [10, 20, 50])
        #expect(ProfileLevels.thresholds(.duration) == [0.8, 1, 3])
    }

    /// profile.py ranks with `value < threshold`: a value on a threshold takes the level above.
    @Test(arguments: ProfileMeasure.allCases)
    func boundaries(_ measure: ProfileMeasure) {
        let t = ProfileLevels.thresholds(measure)
        #expect(ProfileLevels.level(0, for: measure) == 0)
        for (i, bound) in t.enumerated() {
            #expect(ProfileLevels.level(bound.nextDown, for: measure) == i, "just under \(bound)")
            #expect(ProfileLevels.level(bound, for: measure) == i + 1, "on \(bound)")
        }
        #expect(ProfileLevels.level(t[2] * 100, for: measure) == 3)
    }

    @Test func examplesFromTheSlides() {
        // "select * from users join user_groups …": utilization 28.3, cpu_time 0.57, duration 1.53 → U:2 C:1 D:2.
        #expect(ProfileLevels.level(28.3, for: .utilization) == 2)
        #expect(ProfileLevels.level(0.570734208, for: .cpuTime) == 1)
        #expect(ProfileLevels.level(1.5286788940429688, for: .duration) == 2)
        #expect(ProfileLevels.level(4, for: .fds) == 0)
        // 18 640 896 bytes of RSS is between 12 and 24 MiB: M:2.
        #expect(ProfileLevels.level(18_640_896, for: .memory) == 2)
    }

    /// A burst shorter than profile.py's 0.5 s sample is charged over the sample, so a
    /// cheap CPU-bound query is level 0; a long CPU-bound one is near 100%.
    @Test func utilizationWindow() {
        let cheap = ProfileLevels.utilization(cpuSeconds: 0.000_05, wallSeconds: 0.000_055)
        #expect(abs(cheap - 0.01) < 1e-9)
        #expect(ProfileLevels.level(cheap, for: .utilization) == 0)
        #expect(abs(ProfileLevels.utilization(cpuSeconds: 0.04, wallSeconds: 0.04) - 8) < 1e-9)
        #expect(abs(ProfileLevels.utilization(cpuSeconds: 1.9, wallSeconds: 2) - 95) < 1e-9)
        #expect(abs(ProfileLevels.utilization(cpuSeconds: 0.1, wallSeconds: 2) - 5) < 1e-9)
    }

    @Test func averageOfRounds() throws {
        let a = ProfileSample(userSeconds: 0.2, systemSeconds: 0.1, wallSeconds: 1, memoryBytes: 100, fds: 2, rows: 5)
        let b = ProfileSample(userSeconds: 0.4, systemSeconds: 0.3, wallSeconds: 3, memoryBytes: nil, fds: 4, rows: 5)
        let mean = try #require(ProfileSample.average([a, b]))
        #expect(abs(mean.cpuSeconds - 0.5) < 1e-9)
        #expect(mean.wallSeconds == 2)
        #expect(mean.memoryBytes == nil)
        #expect(mean.level(.memory) == nil)
        #expect(mean.fds == 3)
        #expect(mean.level(.duration) == 2)
        #expect(ProfileSample.average([]) == nil)
    }

    @Test func numbersAreJSONNumbers() {
        #expect(ProfileReport.number(0.000_512_4, 6) == "0.000512")
        #expect(ProfileReport.number(12.5, 2) == "12.5")
        #expect(ProfileReport.number(3, 2) == "3")
        #expect(ProfileReport.number(.nan, 2) == "0")
        #expect(ProfileReport.fixed(-0.25, 2) == "-0.25")
    }
}
