/// Samples of Prometheus's text exposition format: `name{labels} value [timestamp]`
/// a line, `#` lines being comments, HELP and TYPE. The name keeps its label set as
/// written (osquery's metric_name does), so one metric's series stay apart.
enum PrometheusText {
    struct Sample: Equatable {
        let name: String
        let value: Double
    }

    static func samples(_ text: String) -> [Sample] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).compactMap { sample(Substring($0)) }
    }

    static func sample(_ line: Substring) -> Sample? {
        let line = line.drop { $0 == " " || $0 == "\t" }
        guard let first = line.first, first != "#" else { return nil }
        // The name runs to the first blank outside the label set's quotes.
        var inLabels = false, inQuotes = false, escaped = false
        var end = line.endIndex
        for i in line.indices {
            let c = line[i]
            if escaped { escaped = false; continue }
            if inQuotes {
                if c == "\\" { escaped = true } else if c == "\"" { inQuotes = false }
                continue
            }
            if c == "\"" && inLabels { inQuotes = true }
            else if c == "{" { inLabels = true }
            else if c == "}" { inLabels = false }
            else if (c == " " || c == "\t") && !inLabels { end = i; break }
        }
        guard end != line.endIndex else { return nil }
        let rest = line[end...].split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let valueText = rest.first, let value = number(valueText) else { return nil }
        return Sample(name: String(line[..<end]), value: value)
    }

    /// A sample value: a float as Go writes it, or NaN, +Inf, -Inf.
    static func number(_ text: Substring) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }
}
