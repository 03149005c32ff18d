import CZlib

/// gzip (RFC 1952) through zlib's deflate, one buffer in, one buffer out: pprof
/// files are gzip'd protobuf, and a profile fits in memory anyway.
public enum Gzip {
    public static func compress(_ input: [UInt8], level: Int32 = 6) throws(ProfileError) -> [UInt8] {
        var stream = z_stream()
        var code = vigil_deflate_init_gzip(&stream, level)
        guard code == Z_OK else { throw .compression(code: code) }
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
        guard code == Z_STREAM_END else { throw .compression(code: code) }
        output.removeLast(output.count - Int(stream.total_out))
        return output
    }

    /// The inverse, for tests and for reading pprof files back.
    public static func decompress(_ input: [UInt8]) throws(ProfileError) -> [UInt8] {
        var stream = z_stream()
        var code = vigil_inflate_init_gzip(&stream)
        guard code == Z_OK else { throw .compression(code: code) }
        defer { inflateEnd(&stream) }
        var input = input
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        code = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let r = chunk.withUnsafeMutableBufferPointer { c -> Int32 in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if r != Z_OK { return r }
            }
        }
        guard code == Z_STREAM_END else { throw .compression(code: code) }
        return output
    }
}
