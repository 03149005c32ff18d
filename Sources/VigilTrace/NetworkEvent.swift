import CVigilBPF
import Glibc

/// A TCP connect, accept or close with its 4-tuple; close adds bytes and duration.
public struct NetworkEvent: Sendable, Equatable {
    public var kind: EventKind
    /// The socket's owner: who connected or accepted it. pid 0 when the socket
    /// predates tracing (see `ownerKnown`).
    public var header: EventHeader
    public var ownerKnown: Bool
    public var family: String
    public var sourceAddress: String
    public var sourcePort: UInt16
    public var destinationAddress: String
    public var destinationPort: UInt16
    /// connect: the socket error when it failed (errno), else 0.
    public var errorCode: Int32
    public var bytesSent: UInt64
    public var bytesReceived: UInt64
    public var durationNanoseconds: UInt64

    public var error: String? { errorCode != 0 ? ErrnoName.name(Int64(errorCode)) : nil }
}

enum NetworkEventDecoder {
    static func decode(_ record: UnsafeRawBufferPointer, kind: EventKind) -> NetworkEvent? {
        guard record.count >= MemoryLayout<vigil_net_event>.size, let base = record.baseAddress else { return nil }
        let e = base.assumingMemoryBound(to: vigil_net_event.self).pointee
        let v6 = Int32(e.family) == AF_INET6
        func address(_ tuple: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) -> String {
            withUnsafeBytes(of: tuple) { v6 ? SocketAddressText.ipv6($0) : SocketAddressText.ipv4($0) }
        }
        return NetworkEvent(
            kind: kind, header: EventHeader(base), ownerKnown: e.owner_known != 0, family: v6 ? "ipv6" : "ipv4",
            sourceAddress: address(e.saddr), sourcePort: e.sport, destinationAddress: address(e.daddr),
            destinationPort: e.dport, errorCode: e.error, bytesSent: e.bytes_sent, bytesReceived: e.bytes_received,
            durationNanoseconds: e.duration_ns)
    }
}
