import Hummingbird
import NIOCore

/// The UI's stylesheet and script, compiled into the binary and served from this
/// origin (the CSP allows nothing else). Small and first-party: no library is needed yet.
enum Assets {
    static func response(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=300"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
