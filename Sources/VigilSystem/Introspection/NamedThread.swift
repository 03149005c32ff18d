import Glibc

/// An OS thread for work that blocks (epoll waits, accept loops), kept off Swift's
/// cooperative pool, which has one thread per core: two cores here. Named, so `top`,
/// /proc and `vigil debug profile` show whose it is.
public struct NamedThread: Sendable {
    let handle: pthread_t

    private final class Body {
        let name: String
        let work: () -> Void
        init(name: String, work: @escaping () -> Void) {
            self.name = name
            self.work = work
        }
    }

    /// Start `work` on a new thread called `name` (at most 15 bytes are kept).
    public static func start(_ name: String, _ work: @escaping () -> Void) throws(SystemError) -> NamedThread {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Body(name: name, work: work)).toOpaque()
        let rc = pthread_create(&thread, nil, { context in
            let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            let comm = open("/proc/self/task/\(ThreadSnapshot.currentThreadID())/comm", O_WRONLY | O_CLOEXEC)
            if comm >= 0 {
                let bytes = Array(body.name.utf8.prefix(15))
                _ = write(comm, bytes, bytes.count)
                close(comm)
            }
            body.work()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw SystemError("pthread_create", errno: rc)
        }
        return NamedThread(handle: thread)
    }

    /// Wait for the work to return.
    public func join() { pthread_join(handle, nil) }

    /// Nobody will join it: its resources go when the work returns.
    public func detach() { pthread_detach(handle) }
}
