import Foundation
import Testing
import VigilSQL
import VigilTestSupport

@Suite(.ownThread) struct TimeTests {
    @Test func unixTimeIsNowAndPartsAgree() throws {
        let row = try #require(try query("SELECT * FROM time").first)
        let unix = row["unix_time"]!.int
        #expect(abs(Double(unix) - Date().timeIntervalSince1970) < 2)
        // Independent breakdown of the same instant.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: TimeInterval(unix))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        #expect(row["year"]?.int == Int64(c.year!))
        #expect(row["month"]?.int == Int64(c.month!))
        #expect(row["day"]?.int == Int64(c.day!))
        #expect(row["hour"]?.int == Int64(c.hour!))
        #expect(row["minutes"]?.int == Int64(c.minute!))
        #expect(row["seconds"]?.int == Int64(c.second!))
        #expect(row["timezone"]?.string == "UTC")
        let iso = ISO8601DateFormatter().string(from: date)
        #expect(row["iso_8601"]?.string == iso)
        #expect(row["datetime"]?.string == iso)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = calendar.timeZone
        f.dateFormat = "EEEE"
        #expect(row["weekday"]?.string == f.string(from: date))
        f.dateFormat = "EEE MMM d HH:mm:ss yyyy 'UTC'"
        let ts = row["timestamp"]?.string ?? ""
        #expect(ts.replacingOccurrences(of: "  ", with: " ") == f.string(from: date))
    }
}
