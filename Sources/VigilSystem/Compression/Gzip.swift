import CZlib

/// gzip (RFC 1952) through zlib, one buffer in and one out: pprof files, compressed
/// log bodies (osquery's logger_tls_compress) and the server's responses. Inflating is
/// bounded by the size it produces, so a small hostile input cannot expand into
/// gigabytes in memory.
public enum Gzip {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// zlib refused: the input is corrupt, or zlib could not start.
        case zlib(code: Int32)
        /// Inflating would give more than the limit.
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .zlib(let code): return "gzip data is corrupt or zlib failed (zlib error \(code))"
            case .tooLarge(let limit): return "gzip body inflates to more than \(limit) bytes"
            }
        }
    }

    public static func compress(_ input: [UInt8], level: Int32 = 6) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        var code = vigil_deflate_init_gzip(&stream, level)
        guard code == Z_OK else { throw .zlib(code: code) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var input = input
        code = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                // deflateBound sized the output, so one Z_FINISH call completes the stream.
                return deflate(&stream, Z_FINISH)
            }
        }
        guard code == Z_STREAM_END else { throw .zlib(code: code) }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }

    /// The inverse, at most `limit` bytes out.
    public static func decompress(_ input: [UInt8], limit: Int = .max) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        var code = vigil_inflate_init_gzip(&stream)
        guard code == Z_OK else { throw .zlib(code: code) }
        defer { inflateEnd(&stream) }
        var input = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var overLimit = false
        code = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let r = chunk.withUnsafeMutableBufferPointer { c -> Int32 in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit {
                    overLimit = true
                    return r
                }
                output.append(contentsOf: chunk[0..<produced])
                if r != Z_OK { return r }
                // No input left and nothing produced: a truncated stream.
                if stream.avail_in == 0 && produced == 0 { return Z_BUF_ERROR }
            }
        }
        if overLimit { throw .tooLarge(limit: limit) }
        guard code == Z_STREAM_END else { throw .zlib(code: code) }
        return output
    }
}
