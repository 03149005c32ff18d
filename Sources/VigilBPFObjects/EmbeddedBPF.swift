/// BPF objects compiled from bpf/*.bpf.c at build time (Plugins/EmbedBPF) and kept
/// in the binary as base64 text: a StaticString compiles in a fraction of the time
/// a [UInt8] literal takes.
public enum EmbeddedBPF {
    /// The object built from bpf/NAME.bpf.c.
    public static func object(_ name: String) -> [UInt8]? {
        switch name {
        case "trace": return decode(trace)
        case "profile": return decode(profile)
        default: return nil
        }
    }

    static func decode(_ text: StaticString) -> [UInt8] {
        text.withUTF8Buffer { Base64.decode($0) }
    }
}

/// Standard base64 decoding (RFC 4648), for the embedded objects.
enum Base64 {
    static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var buffer: UInt32 = 0
        var bits = 0
        for c in input {
            let v = table[Int(c)]
            if v == 0xff { continue }  // '=' padding and anything else
            buffer = (buffer << 6) | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xff))
            }
        }
        return out
    }
}
