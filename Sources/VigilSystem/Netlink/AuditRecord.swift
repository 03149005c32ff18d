/// One audit record as the kernel multicasts it on NETLINK_AUDIT: the record type from
/// the netlink header, and text "audit(SECONDS.MILLIS:SERIAL): key=value ...".
public struct AuditRecord: Sendable, Equatable {
    public var type: UInt16
    /// Unix time in milliseconds, and the event's serial (records of one event share both).
    public var milliseconds: Int64
    public var serial: UInt64
    /// The text after "): ".
    public var body: String

    public init(type: UInt16, milliseconds: Int64, serial: UInt64, body: String) {
        self.type = type
        self.milliseconds = milliseconds
        self.serial = serial
        self.body = body
    }

    /// Parse the text of a record of `type`; nil when it does not start "audit(S.MS:N): ".
    public init?(type: UInt16, text: String) {
        guard text.hasPrefix("audit("), let close = text.firstIndex(of: ")") else { return nil }
        let stamp = text[text.index(text.startIndex, offsetBy: 6)..<close]
        let parts = stamp.split(separator: ":")
        guard parts.count == 2, let serial = UInt64(parts[1]) else { return nil }
        let time = parts[0].split(separator: ".")
        guard let seconds = Int64(time.first ?? ""), let millis = Int64(time.count > 1 ? time[1] : "0") else { return nil }
        var rest = text[text.index(after: close)...]
        if rest.hasPrefix(":") { rest = rest.dropFirst() }
        self.init(type: type, milliseconds: seconds * 1000 + millis, serial: serial,
                  body: String(rest.drop { $0 == " " }))
    }

    /// The record carried by one NETLINK_AUDIT datagram. The text is read to the end of
    /// the datagram (or a NUL): the kernel's nlmsg_len has not always counted the header.
    public init?(datagram: UnsafeRawBufferPointer) {
        guard datagram.count > 16 else { return nil }
        let type = datagram.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        let text = datagram[16...].prefix { $0 != 0 }
        self.init(type: type, text: String(decoding: text, as: UTF8.self))
    }

    /// The body's fields: key=value pairs separated by spaces, where a value may be
    /// "quoted" or 'quoted' (user records put their own fields in msg='...'). A quoted
    /// value is returned without its quotes.
    public var fields: [String: String] { Self.fields(body) }

    public static func fields(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var i = text.startIndex
        while i < text.endIndex {
            while i < text.endIndex, text[i] == " " { i = text.index(after: i) }
            guard let eq = text[i...].firstIndex(of: "=") else { break }
            // Free text before a key ("avc:  denied  { read } for  pid=77") is not part of it.
            let keyStart = text[i..<eq].lastIndex(of: " ").map { text.index(after: $0) } ?? i
            let key = String(text[keyStart..<eq])
            var j = text.index(after: eq)
            var value: Substring
            if j < text.endIndex, text[j] == "\"" || text[j] == "'" {
                let quote = text[j]
                let start = text.index(after: j)
                let end = text[start...].firstIndex(of: quote) ?? text.endIndex
                value = text[start..<end]
                j = end < text.endIndex ? text.index(after: end) : end
            } else {
                let end = text[j...].firstIndex(of: " ") ?? text.endIndex
                value = text[j..<end]
                j = end
            }
            if !key.isEmpty { out[key] = String(value) }
            i = j
        }
        return out
    }

    /// What AUDIT_GET reports: whether auditing is on, and the pid of auditd (0: none).
    public struct Status: Sendable, Equatable {
        public var enabled: UInt32
        public var auditdPID: UInt32
    }

    /// AUDIT_GET on a netlink audit socket.
    public static func status(_ socket: NetlinkSocket) throws(SystemError) -> Status {
        guard let answer = try socket.request(type: 1000 /* AUDIT_GET */, payload: [], answerType: 1000),
              answer.count >= 16 else { throw SystemError("AUDIT_GET: short answer", errno: 71 /* EPROTO */) }
        return answer.withUnsafeBytes { b in
            Status(enabled: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self), auditdPID: b.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        }
    }

    /// AUDIT_SET of the enabled flag (0 off, 1 on; 2 locked is refused here): what
    /// `auditctl -e` does. Needs CAP_AUDIT_CONTROL.
    public static func setEnabled(_ socket: NetlinkSocket, _ on: Bool) throws(SystemError) {
        var payload = [UInt8](repeating: 0, count: 40)
        payload[0] = 1  // mask: AUDIT_STATUS_ENABLED
        payload[4] = on ? 1 : 0
        _ = try socket.request(type: 1001 /* AUDIT_SET */, payload: payload, answerType: nil, sequence: 2)
    }

    /// Send a user message (AUDIT_USER and the other 1100-1199, 2100-2999 types) as
    /// libaudit's audit_log_user_message does; the kernel prefixes pid, uid, auid, ses.
    public static func sendUserMessage(_ socket: NetlinkSocket, type: UInt16, text: String) throws(SystemError) {
        _ = try socket.request(type: type, payload: Array(text.utf8) + [0], answerType: nil, sequence: 3)
    }
}
