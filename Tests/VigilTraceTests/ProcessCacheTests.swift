import Glibc
import Testing
@testable import VigilTrace
import VigilTestSupport

@Suite(.ownThread) struct ProcessCacheTests {
    func event(_ kind: EventKind, pid: UInt32, ppid: UInt32, comm: String = "sh") -> ProcessEvent {
        ProcessEvent(kind: kind, header: EventHeader(pid: pid, tid: pid, ppid: ppid, uid: 0, gid: 0, cgroupID: 1, bootTimeNanoseconds: 0, comm: comm))
    }

    @Test func forkExecExitKeepTheTreeCurrent() {
        let cache = ProcessCache()
        var exec = event(.exec, pid: 10, ppid: 1)
        exec.filename = "/bin/sh"
        cache.apply(exec)
        var fork = event(.fork, pid: 10, ppid: 1)
        fork.childPID = 11
        cache.apply(fork)
        #expect(cache[11]?.exe == "/bin/sh", "a child inherits its parent's image until it execs")
        #expect(cache[11]?.ppid == 10)
        var childExec = event(.exec, pid: 11, ppid: 10, comm: "true")
        childExec.filename = "/bin/true"
        cache.apply(childExec)
        #expect(cache[11]?.exe == "/bin/true" && cache[11]?.comm == "true")
        #expect(cache.ancestors(of: 11).map(\.pid) == [10])
        let exit = event(.exit, pid: 11, ppid: 10, comm: "true")
        cache.apply(exit)
        #expect(cache[11] != nil, "still known while its exit is written")
        cache.forget(exit)
        #expect(cache[11] == nil)
    }

    @Test func seedReadsProc() {
        let cache = ProcessCache()
        cache.seed()
        let me = UInt32(getpid())
        #expect(cache[me]?.ppid == UInt32(getppid()))
        #expect(cache.ancestors(of: me).first?.pid == UInt32(getppid()))
        #expect(cache.count > 1)
    }
}
