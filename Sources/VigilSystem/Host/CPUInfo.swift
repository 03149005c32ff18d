/// A summary of /proc/cpuinfo: processors online, cores, sockets and the model.
public struct CPUInfo: Sendable, Equatable {
    /// Processors listed (online logical CPUs).
    public var logicalCores: Int
    /// Distinct (physical id, core id) pairs; logical count when the kernel omits them.
    public var physicalCores: Int
    /// Distinct physical ids; 1 when the kernel omits them.
    public var sockets: Int
    /// "model name" (x86) or "Model"/"Hardware" (ARM).
    public var brand: String
    /// "model" number (x86), the CPU subtype.
    public var model: String
    public var microcode: String

    public static func read() throws(SystemError) -> CPUInfo {
        parse(try FileSystem.readText("/proc/cpuinfo"))
    }

    public static func parse(_ text: String) -> CPUInfo {
        var logical = 0
        var cores = Set<String>()
        var sockets = Set<String>()
        var brand = "", model = "", microcode = ""
        var physicalID = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters()
            let value = line[line.index(after: colon)...].trimmingCharacters()
            switch key {
            case "processor": logical += 1
            case "physical id": physicalID = value; sockets.insert(value)
            case "core id": cores.insert(physicalID + ":" + value)
            case "model name", "Hardware": if brand.isEmpty { brand = value }
            case "Model": if brand.isEmpty { brand = value }  // ARM boards
            case "model": if model.isEmpty { model = value }
            case "microcode": if microcode.isEmpty { microcode = value }
            default: break
            }
        }
        return CPUInfo(logicalCores: logical, physicalCores: cores.isEmpty ? logical : cores.count,
                       sockets: max(sockets.count, 1), brand: brand, model: model, microcode: microcode)
    }
}
