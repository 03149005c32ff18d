import VigilSQL

/// `docker_info`: the daemon's system information (`GET /info`); no row without Docker.
public struct DockerInfoTable: VirtualTable {
    public let schema = TableSchema("docker_info", "Docker system information.", [
        Column("id", .text, "Docker system ID"),
        Column("containers", .integer, "Total number of containers"),
        Column("containers_running", .integer, "Number of containers currently running"),
        Column("containers_paused", .integer, "Number of containers in paused state"),
        Column("containers_stopped", .integer, "Number of containers in stopped state"),
        Column("images", .integer, "Number of images"),
        Column("storage_driver", .text, "Storage driver"),
        Column("memory_limit", .integer, "1 if memory limit support is enabled. 0 otherwise"),
        Column("swap_limit", .integer, "1 if swap limit support is enabled. 0 otherwise"),
        Column("kernel_memory", .integer, "1 if kernel memory limit support is enabled. 0 otherwise"),
        Column("cpu_cfs_period", .integer, "1 if CPU Completely Fair Scheduler (CFS) period support is enabled. 0 otherwise"),
        Column("cpu_cfs_quota", .integer, "1 if CPU Completely Fair Scheduler (CFS) quota support is enabled. 0 otherwise"),
        Column("cpu_shares", .integer, "1 if CPU share weighting support is enabled. 0 otherwise"),
        Column("cpu_set", .integer, "1 if CPU set selection support is enabled. 0 otherwise"),
        Column("ipv4_forwarding", .integer, "1 if IPv4 forwarding is enabled. 0 otherwise"),
        Column("bridge_nf_iptables", .integer, "1 if bridge netfilter iptables is enabled. 0 otherwise"),
        Column("bridge_nf_ip6tables", .integer, "1 if bridge netfilter ip6tables is enabled. 0 otherwise"),
        Column("oom_kill_disable", .integer, "1 if Out-of-memory kill is disabled. 0 otherwise"),
        Column("logging_driver", .text, "Logging driver"),
        Column("cgroup_driver", .text, "Control groups driver"),
        Column("kernel_version", .text, "Kernel version").collated(.version),
        Column("os", .text, "Operating system"),
        Column("os_type", .text, "Operating system type"),
        Column("architecture", .text, "Hardware architecture"),
        Column("cpus", .integer, "Number of CPUs"),
        Column("memory", .bigint, "Total memory"),
        Column("http_proxy", .text, "HTTP proxy"),
        Column("https_proxy", .text, "HTTPS proxy"),
        Column("no_proxy", .text, "Comma-separated list of domain extensions proxy should not be used for"),
        Column("name", .text, "Name of the docker host"),
        Column("server_version", .text, "Server version").collated(.version),
        Column("root_dir", .text, "Docker root directory"),
    ])
    static let texts = [("id", "ID"), ("storage_driver", "Driver"), ("logging_driver", "LoggingDriver"),
                        ("cgroup_driver", "CgroupDriver"), ("kernel_version", "KernelVersion"), ("os", "OperatingSystem"),
                        ("os_type", "OSType"), ("architecture", "Architecture"), ("http_proxy", "HttpProxy"),
                        ("https_proxy", "HttpsProxy"), ("no_proxy", "NoProxy"), ("name", "Name"),
                        ("server_version", "ServerVersion"), ("root_dir", "DockerRootDir")]
    static let counts = [("containers", "Containers"), ("containers_running", "ContainersRunning"),
                         ("containers_paused", "ContainersPaused"), ("containers_stopped", "ContainersStopped"),
                         ("images", "Images"), ("cpus", "NCPU"), ("memory", "MemTotal")]
    static let flags = [("memory_limit", "MemoryLimit"), ("swap_limit", "SwapLimit"), ("kernel_memory", "KernelMemory"),
                        ("cpu_cfs_period", "CpuCfsPeriod"), ("cpu_cfs_quota", "CpuCfsQuota"), ("cpu_shares", "CPUShares"),
                        ("cpu_set", "CPUSet"), ("ipv4_forwarding", "IPv4Forwarding"),
                        ("bridge_nf_iptables", "BridgeNfIptables"), ("bridge_nf_ip6tables", "BridgeNfIp6tables"),
                        ("oom_kill_disable", "OomKillDisable")]
    let api: DockerAPI

    public init(api: DockerAPI = DockerAPI()) { self.api = api }

    public func generate(_ context: QueryContext) throws -> RowSequence {
        guard let info = try api.get("/info", table: schema.name) else { return RowSequence([]) }
        var row = Row(schema)
        for (column, field) in Self.texts { row[column] = .text(info[field]?.string ?? "") }
        for (column, field) in Self.counts { row[column] = .integer(Int64(info[field]?.number ?? 0)) }
        for (column, field) in Self.flags { row[column] = .integer(info[field]?.bool == true ? 1 : 0) }
        return RowSequence([row])
    }
}
