import Hummingbird
import NIOCore
import VigilWire

/// The SQL editor's check: the server's schema check of the form's `sql`, as JSON
/// (`errors` refuse the SQL, `warnings` do not), for sql.js to show before sending.
extension WebUI {
    func checkSQL(_ form: Form) -> Response {
        let sql = form["sql"] ?? ""
        let check = fleet.checkSQL(sql)
        let body = JSONValue.object(["errors": .array(check.errors.map(JSONValue.string)), "warnings": .array(check.warnings.map(JSONValue.string)),
                                     "ok": .bool(check.errors.isEmpty)])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: (try? WireCoding.encodeString(body)) ?? "{}")))
    }
}
