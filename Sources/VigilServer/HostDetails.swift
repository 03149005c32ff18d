import VigilServerStore
import VigilWire

extension HostRecord {
    /// A host as its enrollment describes it: osquery's `host_details` carries the
    /// columns of os_version, osquery_info, system_info and platform_info.
    init(enrollment request: EnrollRequest, at time: Int64) {
        let d = request.hostDetails ?? [:]
        func field(_ table: String, _ column: String) -> String { d[table]?[column]?.text ?? "" }
        // A Vigil agent adds vigil_info; osquery sends only osquery's four tables.
        let isVigil = d["vigil_info"] != nil
        self.init(hostIdentifier: request.hostIdentifier,
                  hostname: field("system_info", "hostname"),
                  uuid: field("system_info", "uuid").isEmpty ? field("osquery_info", "uuid") : field("system_info", "uuid"),
                  platform: field("os_version", "platform"),
                  osName: field("os_version", "name"),
                  osVersion: field("os_version", "version"),
                  agent: isVigil ? "vigil" : "osquery",
                  agentVersion: field("osquery_info", "version"),
                  cpuBrand: field("system_info", "cpu_brand"),
                  physicalMemory: Int64(field("system_info", "physical_memory")) ?? 0,
                  enrolledAt: time, lastSeen: time)
    }
}
