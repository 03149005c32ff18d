import Foundation
import VigilSQL

/// `memory_map`: the physical memory regions of /proc/iomem (RAM, reserved ranges,
/// device windows, the kernel's code and data), one row per line.
public struct MemoryMapTable: VirtualTable {
    public let schema = TableSchema("memory_map", "Physical memory regions from /proc/iomem, nested regions included.", [
        Column("name", .text, "Region name (System RAM, Reserved, PCI Bus 0000:00, Kernel code, …)"),
        Column("start", .text, "Start address, 0x and the kernel's hex digits"),
        Column("end", .text, "End address (inclusive), 0x and the kernel's hex digits"),
    ])

    let path: String

    public init(path: String = "/proc/iomem") { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TableError("memory_map: cannot read \(path): \(error.localizedDescription)")
        }
        return RowSequence(Self.regions(text).map { region in
            var row = Row(schema)
            row["name"] = .text(region.name)
            row["start"] = .text("0x" + region.start)
            row["end"] = .text("0x" + region.end)
            return row
        })
    }

    /// Lines are "START-END : NAME", indented two spaces per nesting level. osquery
    /// splits at the first space or colon, which keeps a space at the end of `end`
    /// and mangles every indented line; Vigil trims the indentation first.
    static func regions(_ text: String) -> [(start: String, end: String, name: String)] {
        text.split(separator: "\n").compactMap { line in
            let trimmed = line.drop { $0 == " " }
            guard let separator = trimmed.range(of: " : "),
                  let dash = trimmed[..<separator.lowerBound].firstIndex(of: "-") else { return nil }
            let start = trimmed[..<dash], end = trimmed[trimmed.index(after: dash)..<separator.lowerBound]
            guard !start.isEmpty, !end.isEmpty, start.allSatisfy(\.isHexDigit), end.allSatisfy(\.isHexDigit) else { return nil }
            return (String(start), String(end), String(trimmed[separator.upperBound...]))
        }
    }
}
