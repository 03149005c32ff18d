import VigilSQL
import VigilSystem

/// Where the md tables read: /proc/mdstat and /sys/block, or a fixture laid out
/// the same way (tests; this kernel may have no md driver).
struct MDSource: Sendable {
    var mdstat = "/proc/mdstat"
    var sysBlock = "/sys/block"

    /// The parsed mdstat; an empty one when the kernel has no md support (osquery gives no rows then).
    func stat(table: String) throws -> MDStat {
        do { return try MDStat.read(mdstat) ?? MDStat() } catch { throw TableError("\(table): cannot read \(mdstat): \(error)") }
    }
}
