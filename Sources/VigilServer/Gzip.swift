import CZlib
import Foundation

/// Inflate of gzip request bodies, bounded by the inflated size so that a small
/// compressed body cannot expand into gigabytes in memory.
enum Gzip {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func inflate(_ input: Data, limit: Int) throws -> Data {
        var stream = z_stream()
        // 16 + MAX_WBITS: a gzip header, not raw zlib.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var source = [UInt8](input)
        let status: Int32 = source.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let rc: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if output.count + produced > limit { return -100 }
                output.append(contentsOf: chunk[0..<produced])
                if rc == Z_STREAM_END { return Z_OK }
                if rc != Z_OK { return rc }
                if stream.avail_in == 0 && produced == 0 { return Z_BUF_ERROR }
            }
        }
        if status == -100 { throw Failure(description: "gzip body inflates to more than \(limit) bytes") }
        guard status == Z_OK else { throw Failure(description: "gzip body is corrupt (zlib error \(status))") }
        return output
    }
}
