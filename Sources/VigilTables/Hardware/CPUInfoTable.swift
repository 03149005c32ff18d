import VigilSQL
import VigilSystem

/// `cpu_info`: one row per processor package (socket), from /proc/cpuinfo's
/// entries grouped by `physical id`, as `lscpu` summarises them. What only SMBIOS
/// or a Windows API knows (processor type, status, availability) is NULL.
public struct CPUInfoTable: VirtualTable {
    public let schema = TableSchema("cpu_info", "Retrieve cpu hardware info of the machine.", [
        Column("device_id", .text, "The DeviceID of the CPU (the package's physical id)"),
        Column("model", .text, "The model of the CPU."),
        Column("manufacturer", .text, "The manufacturer of the CPU."),
        Column("processor_type", .text, "The processor type, such as Central, Math, or Video; NULL (not in /proc/cpuinfo)"),
        Column("cpu_status", .integer, "The current operating status of the CPU; NULL (not in /proc/cpuinfo)"),
        Column("number_of_cores", .text, "The number of cores of the CPU."),
        Column("logical_processors", .integer, "The number of logical processors of the CPU."),
        Column("address_width", .text, "The width of the CPU address bus (64 with long mode, else 32)."),
        Column("current_clock_speed", .integer, "The current frequency of the CPU (MHz)."),
        Column("max_clock_speed", .integer, "The maximum possible frequency of the CPU (MHz, from cpufreq; NULL without it)."),
        Column("socket_designation", .text, "The assigned socket on the board for the given CPU."),
        .otherPlatform("availability", .text, "Windows", "availability and status of the CPU"),
        .otherPlatform("number_of_efficiency_cores", .integer, "macOS", "efficiency cores (Apple Silicon)"),
        .otherPlatform("number_of_performance_cores", .integer, "macOS", "performance cores (Apple Silicon)"),
    ])
    let path: String

    public init() { self.init(path: "/proc/cpuinfo") }
    init(path: String) { self.path = path }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let text = FileSystem.readTextIfPresent(path) else { return RowSequence([]) }
        // Entries are separated by blank lines; the first entry of each package describes it.
        var packages: [(id: String, fields: [String: String])] = []
        for block in text.split(separator: "\n\n") {
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].trimmingCharacters()] = line[line.index(after: colon)...].trimmingCharacters()
            }
            guard let processor = fields["processor"] else { continue }
            let id = fields["physical id"] ?? "0"
            if packages.contains(where: { $0.id == id }) { continue }
            fields["processor"] = processor
            packages.append((id, fields))
        }
        return RowSequence(packages) { id, f in
            var row = Row(schema)
            row["device_id"] = .text(id)
            row["socket_designation"] = .text(id)
            row["model"] = .text(f["model name"] ?? "")
            row["manufacturer"] = .text(f["vendor_id"] ?? "")
            row["number_of_cores"] = .text(f["cpu cores"] ?? "")
            row["logical_processors"] = SQLValue(f["siblings"].flatMap { Int64($0) })
            row["address_width"] = .text((f["flags"] ?? "").split(separator: " ").contains("lm") ? "64" : "32")
            row["current_clock_speed"] = SQLValue(f["cpu MHz"].flatMap(Double.init).map { Int64($0.rounded()) })
            let maxFreq = FileSystem.readTextIfPresent("/sys/devices/system/cpu/cpu\(f["processor"] ?? "0")/cpufreq/cpuinfo_max_freq")
            row["max_clock_speed"] = SQLValue(maxFreq.flatMap { Int64($0.trimmingCharacters()) }.map { $0 / 1000 })
            return row
        }
    }
}
