import CVigilBPF
import Glibc

/// A BPF ring buffer consumer over the map's own memory. Records are handed to
/// `handler` in place, valid only during the call: decode, do not keep.
///
/// Written here rather than with libbpf's ring_buffer__poll because that one
/// publishes the consumer position after every record: on a busy ring each store
/// pulls the cache line away from the CPU producing, and the producer's next
/// reserve waits for it. Here the position is published once per batch (at most
/// every 64 KiB, so the producer still sees room come back during a long drain).
public final class RingBuffer {
    private let handler: (UnsafeRawBufferPointer) -> Void
    private let consumerPage: UnsafeMutableRawPointer
    private let producerPages: UnsafeMutableRawPointer
    private let pageSize: Int
    private let dataSize: Int
    private let epoll: Int32

    /// Record header (struct bpf_ringbuf_hdr, 8 bytes): length with these flag bits, then a page offset.
    private static let busy: UInt32 = 1 << 31
    private static let discarded: UInt32 = 1 << 30
    private static let headerSize = 8
    private static let publishEvery: UInt64 = 64 * 1024

    public init(map: BPFMap, handler: @escaping (UnsafeRawBufferPointer) -> Void) throws(BPFError) {
        self.handler = handler
        let fd = map.fileDescriptor
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var info = bpf_map_info()
        var length = UInt32(MemoryLayout<bpf_map_info>.size)
        guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0, info.max_entries > 0 else {
            throw BPFError.from("read ring buffer \(map.name)'s size", code: errno)
        }
        dataSize = Int(info.max_entries)
        // The consumer page is ours to write; the producer page and the data are the
        // kernel's, the data mapped twice in a row so a record that wraps reads straight.
        guard let c = mmap(nil, pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), c != MAP_FAILED else {
            throw BPFError.from("map ring buffer \(map.name)", code: errno, feature: "BPF ring buffer")
        }
        guard let p = mmap(nil, pageSize + 2 * dataSize, PROT_READ, MAP_SHARED, fd, off_t(pageSize)), p != MAP_FAILED else {
            let e = errno
            munmap(c, pageSize)
            throw BPFError.from("map ring buffer \(map.name)", code: e, feature: "BPF ring buffer")
        }
        consumerPage = c
        producerPages = p
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        guard epoll >= 0, epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else {
            let e = errno
            if epoll >= 0 { close(epoll) }
            munmap(c, pageSize)
            munmap(p, pageSize + 2 * dataSize)
            throw BPFError.from("wait on ring buffer \(map.name)", code: e)
        }
    }

    deinit {
        close(epoll)
        munmap(consumerPage, pageSize)
        munmap(producerPages, pageSize + 2 * dataSize)
    }

    /// Wait up to `timeoutMilliseconds` for a wakeup, then consume what is there; returns
    /// how many records. An interrupted wait (EINTR) is not an error.
    @discardableResult
    public func poll(timeoutMilliseconds: Int32) throws(BPFError) -> Int {
        var event = epoll_event()
        if epoll_wait(epoll, &event, 1, timeoutMilliseconds) < 0 && errno != EINTR {
            throw BPFError.from("poll ring buffer", code: errno)
        }
        return drain()
    }

    /// Consume whatever is there now without waiting.
    @discardableResult
    public func drain() -> Int {
        let data = UnsafeRawPointer(producerPages + pageSize)
        let mask = UInt64(dataSize - 1)
        var consumer = vigil_load_acquire_u64(consumerPage)
        var published = consumer
        var count = 0
        while true {
            let producer = vigil_load_acquire_u64(producerPages)
            if consumer >= producer { break }
            while consumer < producer {
                let header = data + Int(consumer & mask)
                let word = vigil_load_acquire_u32(header)
                // Reserved but not yet submitted: the records after it wait for it.
                if word & Self.busy != 0 {
                    vigil_store_release_u64(consumerPage, consumer)
                    return count
                }
                let length = Int(word & ~(Self.busy | Self.discarded))
                if word & Self.discarded == 0 {
                    handler(UnsafeRawBufferPointer(start: header + Self.headerSize, count: length))
                    count += 1
                }
                consumer += UInt64((length + Self.headerSize + 7) & ~7)
                if consumer - published >= Self.publishEvery {
                    vigil_store_release_u64(consumerPage, consumer)
                    published = consumer
                }
            }
            vigil_store_release_u64(consumerPage, consumer)
            published = consumer
        }
        return count
    }
}
