import CLinux
import Glibc

/// A netlink socket (netlink(7)) bound to multicast groups: how the kernel hands out
/// uevents and audit records. Owns its descriptor; `receive` waits at most a timeout,
/// so a reader thread can notice it was asked to stop.
public final class NetlinkSocket {
    public let fd: Int32

    /// The protocols Vigil reads.
    public enum Family: Int32, Sendable {
        /// NETLINK_KOBJECT_UEVENT: device add/remove/change from the kernel (group 1) and udevd (group 2).
        case kobjectUEvent = 15
        /// NETLINK_AUDIT: audit records; group 1 (AUDIT_NLGRP_READLOG) is the read-only copy
        /// the kernel multicasts beside auditd's unicast feed.
        case audit = 9
    }

    /// socket(AF_NETLINK, SOCK_RAW) and bind to `groups` (a bit mask, 0 for none).
    /// Multicast groups of the audit socket need CAP_AUDIT_READ.
    public init(_ proto: Family, groups: UInt32, receiveBufferBytes: Int32 = 4 << 20) throws(SystemError) {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto.rawValue)
        guard fd >= 0 else { throw SystemError("socket(AF_NETLINK, \(proto))") }
        // A burst (a module load, a udev trigger) must not overflow the default buffer;
        // SO_RCVBUFFORCE passes rmem_max as root, SO_RCVBUF is the fallback.
        var bytes = receiveBufferBytes
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, socklen_t(MemoryLayout<Int32>.size))
        }
        guard vigil_netlink_bind(fd, groups) == 0 else {
            let error = SystemError("bind(netlink \(proto), groups \(groups))")
            close(fd)
            throw error
        }
        // Owned from here: deinit closes it.
        self.fd = fd
    }

    deinit { close(fd) }

    /// One datagram, or nil when none came within `timeoutMilliseconds`. ENOBUFS (the
    /// kernel dropped messages because the buffer was full) is reported as `overflowed`.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) throws(SystemError) -> Received {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, timeoutMilliseconds)
        if ready < 0 { if errno == EINTR { return .none }; throw SystemError("poll(netlink)") }
        if ready == 0 { return .none }
        let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        if n < 0 {
            if errno == EAGAIN || errno == EINTR { return .none }
            if errno == ENOBUFS { return .overflowed }
            throw SystemError("recv(netlink)")
        }
        return .message(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }

    public enum Received {
        case none
        case overflowed
        case message(UnsafeRawBufferPointer)
    }

    /// Send one netlink message of `type` with `payload` to the kernel (port 0), with
    /// NLM_F_REQUEST and NLM_F_ACK, and return the kernel's answer of `answerType`
    /// (nil when it acknowledged without one). A negative acknowledgement throws.
    public func request(type: UInt16, payload: [UInt8], answerType: UInt16?, sequence: UInt32 = 1) throws(SystemError) -> [UInt8]? {
        var message = [UInt8]()
        let length = UInt32(16 + payload.count)
        withUnsafeBytes(of: length.littleEndian) { message += $0 }
        withUnsafeBytes(of: type.littleEndian) { message += $0 }
        withUnsafeBytes(of: UInt16(NLM_F_REQUEST | NLM_F_ACK).littleEndian) { message += $0 }
        withUnsafeBytes(of: sequence.littleEndian) { message += $0 }
        withUnsafeBytes(of: UInt32(0)) { message += $0 }
        message += payload
        while message.count % 4 != 0 { message.append(0) }
        let sent = message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw SystemError("send(netlink type \(type))") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
        defer { buffer.deallocate() }
        var answer: [UInt8]?
        // The ack and the answer come as separate messages, in either order.
        for _ in 0..<4 {
            guard case .message(let data) = try receive(into: buffer, timeoutMilliseconds: 1000) else { break }
            for m in NetlinkMessages(data) where m.sequence == sequence {
                if m.type == UInt16(NLMSG_ERROR) {
                    let code = m.payload.count >= 4 ? m.payload.loadUnaligned(as: Int32.self) : 0
                    if code != 0 { throw SystemError("netlink request type \(type)", errno: -code) }
                    if answerType == nil { return nil }
                } else if m.type == answerType {
                    answer = Array(m.payload)
                }
            }
            if answer != nil { return answer }
        }
        if answerType == nil { return nil }
        throw SystemError("netlink request type \(type): no answer", errno: ETIMEDOUT)
    }
}

/// The netlink messages (nlmsghdr + payload) packed in one datagram.
public struct NetlinkMessages: Sequence {
    public struct Message {
        public let type: UInt16
        public let flags: UInt16
        public let sequence: UInt32
        public let payload: UnsafeRawBufferPointer
    }
    let data: UnsafeRawBufferPointer

    public init(_ data: UnsafeRawBufferPointer) { self.data = data }

    public func makeIterator() -> AnyIterator<Message> {
        var offset = 0
        let data = self.data
        return AnyIterator {
            guard offset + 16 <= data.count else { return nil }
            let length = Int(data.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= 16, offset + length <= data.count else { return nil }
            let message = Message(type: data.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self),
                                  flags: data.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self),
                                  sequence: data.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self),
                                  payload: UnsafeRawBufferPointer(rebasing: data[(offset + 16)..<(offset + length)]))
            offset += (length + 3) & ~3
            return message
        }
    }
}
