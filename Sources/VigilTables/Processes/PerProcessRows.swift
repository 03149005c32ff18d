import VigilSQL
import VigilSystem

extension RowSequence {
    /// Rows from a list each process has (descriptors, environment, maps), read
    /// lazily for the pids a `pid` constraint names, or for every pid. A process
    /// that exits or cannot be read contributes no rows.
    static func perProcess<T>(_ context: QueryContext, read: @escaping (Int32) throws -> [T],
                              row: @escaping (Int32, T) -> Row) throws -> RowSequence {
        let pids = try ProcFS.pids(constrainedTo: context.integers("pid"))
        return RowSequence(pids.lazy.flatMap { pid in ((try? read(pid)) ?? []).map { row(pid, $0) } }) { $0 }
    }
}
