import Glibc
import VigilSystem

/// `logger_tcp_endpoint`: `host:port`, where host is an IPv4 address, a name, or an
/// IPv6 address in brackets (`[::1]:9000`), as URLs write it.
public struct TCPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// The endpoint `text` names, or why it names none.
    public static func parse(_ text: String) -> Result<TCPEndpoint, EndpointError> {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(EndpointError(text: text, reason: "an IPv6 address needs the form [ADDRESS]:PORT"))
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(EndpointError(text: text, reason: "expected HOST:PORT"))
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                return .failure(EndpointError(text: text, reason: "an IPv6 address needs brackets: [ADDRESS]:PORT"))
            }
        }
        guard !hostPart.isEmpty else { return .failure(EndpointError(text: text, reason: "the host is empty")) }
        guard let port = UInt16(portPart), port > 0 else {
            return .failure(EndpointError(text: text, reason: "the port must be 1–65535"))
        }
        return .success(TCPEndpoint(host: String(hostPart), port: port))
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// One address to connect to.
    struct Address {
        var family: Int32
        var storage: sockaddr_storage
        var length: socklen_t
    }

    /// The endpoint's addresses in getaddrinfo(3)'s order. A literal address needs no
    /// lookup; a name is looked up here, which is the one call that can wait (the
    /// resolver's timeout) when the DNS server does not answer.
    func resolve() throws(OutputError) -> [Address] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            throw OutputError("cannot resolve \(host): \(reason)")
        }
        defer { freeaddrinfo(list) }
        var out: [Address] = []
        var node = list
        while let entry = node?.pointee {
            if let addr = entry.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(entry.ai_addrlen))) }
                out.append(Address(family: entry.ai_family, storage: storage, length: entry.ai_addrlen))
            }
            node = entry.ai_next
        }
        return out
    }
}

/// Why a `logger_tcp_endpoint` value is not one.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "'\(text)': \(reason)" }
}
