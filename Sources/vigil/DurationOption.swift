import ArgumentParser
import VigilSystem

/// A duration option read with the one grammar (`DurationText`): 500ms, 10s, 2m30s, 1h.
enum DurationOption {
    /// `text` in seconds, more than 0 and within `range`, or a validation error that
    /// names the option and says why.
    static func seconds(_ text: String, option: String, in range: ClosedRange<Double>? = nil) throws -> Double {
        let seconds: Double
        do { seconds = try DurationText.seconds(text) } catch { throw ValidationError("\(option): \(error)") }
        if seconds <= 0 { throw ValidationError("\(option) must be more than 0, found '\(text)'") }
        if let range, !range.contains(seconds) {
            throw ValidationError("\(option) must be between \(words(range.lowerBound)) and \(words(range.upperBound)), found '\(text)'")
        }
        return seconds
    }

    /// 600 → "10m", 1 → "1s", 0.5 → "500ms": a bound as the user would write it.
    static func words(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int(seconds * 1000))ms" }
        if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        return "\(Int(seconds))s"
    }
}
