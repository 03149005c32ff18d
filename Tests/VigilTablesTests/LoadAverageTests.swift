import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct LoadAverageTests {
    @Test func threePeriods() throws {
        let rows = try query("SELECT period, average FROM load_average")
        #expect(rows.map { $0["period"]?.string } == ["1m", "5m", "15m"])
        var loads = [Double](repeating: -1, count: 3)
        #expect(getloadavg(&loads, 3) == 3)
        for (row, load) in zip(rows, loads) {
            let average = try #require(Double(row["average"]?.string ?? ""))
            #expect(abs(average - load) < 0.5)
            #expect(row["average"]?.string.split(separator: ".").last?.count == 6)
        }
    }
}
