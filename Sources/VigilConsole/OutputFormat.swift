import VigilSQL
import VigilSystem

/// How query results are printed.
public enum OutputFormat: String, CaseIterable, Sendable {
    case table, line, csv, json, jsonl

    /// A writer for one statement's result in this format.
    public func writer(columns: [String], to out: Output) -> any ResultWriter {
        switch self {
        case .table: return TableWriter(columns: columns, out: out)
        case .line: return LineWriter(columns: columns, out: out)
        case .csv: return CSVWriter(columns: columns, out: out)
        case .json: return JSONWriter(columns: columns, out: out, array: true)
        case .jsonl: return JSONWriter(columns: columns, out: out, array: false)
        }
    }
}

/// The output of one run of one or more statements. Each statement gets its own
/// writer, except that `json` puts the rows of every statement into one array
/// (each object keeps its own keys, as `jsonl` prints them), so that the output
/// stays one JSON document whatever the number of statements.
public final class ResultSession {
    let format: OutputFormat
    let out: Output
    private let array = JSONArray()
    private var started = false

    public init(format: OutputFormat, out: Output) {
        self.format = format
        self.out = out
    }

    public func writer(columns: [String]) -> any ResultWriter {
        started = true
        if format == .json { return JSONWriter(columns: columns, out: out, array: true, shared: array) }
        return format.writer(columns: columns, to: out)
    }

    /// Called once after the last statement, also after an error, so that rows
    /// already printed still end in a complete document. Nothing is printed when
    /// no statement ran (the first one failed to prepare).
    public func finish() {
        if format == .json && started { array.close(out) }
    }
}

/// How far a JSON array shared by several writers has got.
final class JSONArray {
    var count = 0

    func append(_ object: String, to out: Output) {
        out.write(count == 0 ? "[\n  " : ",\n  ")
        out.write(object)
        count += 1
    }

    func close(_ out: Output) { out.line(count == 0 ? "[]" : "\n]") }
}

/// Receives one statement's rows as they are stepped, so memory stays flat.
public protocol ResultWriter: AnyObject {
    func write(_ row: [SQLValue])
    /// Called once after the last row (also when there were none).
    func finish()
}

/// osqueryi-style boxed table. Column widths come from the first `sampleSize`
/// rows; later rows are printed as they come with the same widths, so a huge
/// result does not have to be held in memory. Widths count Unicode scalars, not
/// grapheme clusters: exact for the ASCII that /proc mostly holds, and O(1) per
/// byte rather than a grapheme walk per cell.
final class TableWriter: ResultWriter {
    let columns: [String]
    let out: Output
    let sampleSize = 1000
    private var pending: [[String]] = []
    private var widths: [Int]?

    init(columns: [String], out: Output) {
        self.columns = columns.map(TerminalText.escape)
        self.out = out
    }

    func write(_ row: [SQLValue]) {
        let cells = row.map(\.terminalText)
        if widths != nil {
            printRow(cells)
            return
        }
        pending.append(cells)
        if pending.count >= sampleSize { startPrinting() }
    }

    func finish() {
        if widths == nil {
            if pending.isEmpty { return }  // osqueryi prints nothing for an empty result
            startPrinting()
        }
        printRule()
    }

    static func width(_ s: String) -> Int { s.unicodeScalars.count }

    private func startPrinting() {
        var w = columns.map(Self.width)
        for row in pending {
            for (i, cell) in row.enumerated() where i < w.count { w[i] = max(w[i], Self.width(cell)) }
        }
        widths = w
        printRule()
        printRow(columns)
        printRule()
        for row in pending { printRow(row) }
        pending = []
    }

    private func printRule() {
        out.write("+")
        for w in widths ?? [] {
            out.repeatByte(UInt8(ascii: "-"), count: w + 2)
            out.write("+")
        }
        out.write("\n")
    }

    private func printRow(_ cells: [String]) {
        out.write("|")
        for (i, cell) in cells.enumerated() {
            out.write(" ")
            out.write(cell)
            let w = widths?[i] ?? 0
            out.repeatByte(UInt8(ascii: " "), count: max(0, w - Self.width(cell)) + 1)
            out.write("|")
        }
        out.write("\n")
    }
}

/// One `column = value` line per column, a blank line between rows (osqueryi's line mode).
final class LineWriter: ResultWriter {
    let columns: [String]
    let out: Output
    let width: Int
    private var first = true

    init(columns: [String], out: Output) {
        self.columns = columns.map(TerminalText.escape)
        self.out = out
        self.width = self.columns.map(\.count).max() ?? 0
    }

    func write(_ row: [SQLValue]) {
        if !first { out.line() }
        first = false
        for (name, value) in zip(columns, row) {
            out.line(String(repeating: " ", count: width - name.count) + name + " = " + value.terminalText)
        }
    }

    func finish() {}
}

/// RFC 4180 CSV with a header line.
final class CSVWriter: ResultWriter {
    let out: Output

    init(columns: [String], out: Output) {
        self.out = out
        out.line(columns.map(Self.quote).joined(separator: ","))
    }

    func write(_ row: [SQLValue]) {
        out.line(row.map { Self.quote($0.displayText ?? "") }.joined(separator: ","))
    }

    func finish() {}

    static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingAll("\"", with: "\"\"") + "\""
    }
}

/// JSON: an array of objects (`json`) or one object per line (`jsonl`).
/// Integers and reals are JSON numbers, NULL is null, blobs are hex strings.
final class JSONWriter: ResultWriter {
    let keys: [String]
    let out: Output
    let array: JSONArray?
    /// Whether `array` belongs to this writer alone (closed by `finish`) or to a session.
    let ownsArray: Bool

    init(columns: [String], out: Output, array: Bool, shared: JSONArray? = nil) {
        self.keys = columns.map { JSON.string($0) }
        self.out = out
        self.array = array ? shared ?? JSONArray() : nil
        self.ownsArray = array && shared == nil
    }

    func write(_ row: [SQLValue]) {
        var object = "{"
        for (i, value) in row.enumerated() where i < keys.count {
            if i > 0 { object += "," }
            object += keys[i] + ":" + JSON.value(value)
        }
        object += "}"
        if let array {
            array.append(object, to: out)
        } else {
            out.line(object)
        }
    }

    func finish() {
        if ownsArray { array?.close(out) }
    }
}

extension JSON {
    /// A SQL value as JSON: integers and reals as numbers, NULL as null, blobs as hex.
    public static func value(_ v: SQLValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : "null"
        case .text(let s): return string(s)
        case .blob(let b): return string(Digest.hex(b))
        }
    }
}

extension SQLValue {
    /// The value as the text formats print it: like `text`, except that a blob is
    /// lower-case hex, as in JSON, since its raw bytes (NUL, 0xFF) would garble a
    /// terminal or a CSV reader.
    var displayText: String? {
        if case .blob(let b) = self { return Digest.hex(b) }
        return text
    }
}

extension SQLValue {
    /// The value as the human formats (table, line) print it: `displayText` with
    /// control characters escaped, so that a process name or command line cannot
    /// retitle or clear the terminal, or forge rows with a newline.
    var terminalText: String { TerminalText.escape(displayText ?? "") }
}

/// Escapes what a terminal would act on: C0 controls (ESC, BEL, CR, LF, ...), DEL and
/// the C1 controls (U+0080-U+009F; U+009B is a one-character CSI). Tab, newline and
/// carriage return print as \t, \n, \r; the rest as \xHH or \u{HHHH}.
enum TerminalText {
    static func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count + 8)
        for scalar in s.unicodeScalars {
            guard isControl(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default:
                let hex = String(scalar.value, radix: 16)
                out += scalar.value < 0x80 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
            }
        }
        return out
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || (c.value >= 0x7F && c.value <= 0x9F)
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
