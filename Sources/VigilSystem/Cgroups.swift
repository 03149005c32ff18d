import Glibc

/// cgroup v2 paths, as `--cgroup` takes them: absolute under the cgroup2 mount, or
/// relative to it ("system.slice/ssh.service", "/docker/<id>").
public enum Cgroups {
    /// Where the cgroup2 hierarchy is mounted (/sys/fs/cgroup on unified systems,
    /// /sys/fs/cgroup/unified on hybrid ones), from /proc/mounts.
    public static func v2MountPoint() -> String? {
        guard let mounts = FileSystem.readTextIfPresent("/proc/mounts") else { return nil }
        for line in FileSystem.lines(mounts) {
            let f = line.split(separator: " ")
            if f.count >= 3, f[2] == "cgroup2" { return String(f[1]) }
        }
        return nil
    }

    /// The directory of a cgroup given by path; throws when it is not a cgroup2 directory.
    public static func directory(_ path: String) throws(SystemError) -> String {
        guard let mount = v2MountPoint() else { throw SystemError("find the cgroup2 mount", errno: ENOENT) }
        let candidate = path.hasPrefix(mount + "/") || path == mount ? path : mount + (path.hasPrefix("/") ? path : "/" + path)
        let st = try FileSystem.status(candidate)
        guard st.st_mode & S_IFMT == S_IFDIR, FileSystem.exists(candidate + "/cgroup.procs") else {
            throw SystemError("\(candidate) is not a cgroup", errno: ENOTDIR)
        }
        return candidate
    }
}
