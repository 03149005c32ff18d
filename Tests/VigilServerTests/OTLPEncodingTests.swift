import Testing
import VigilOTLP
import VigilServer
import VigilTestSupport

/// The OTLP exporter's parts that need no collector: the protobuf writer against the
/// examples in Protocol Buffers' encoding documentation, and the flags' checks.
@Suite(.ownThread) struct OTLPEncodingTests {
    @Test func theProtobufWriterWritesTheEncodingDocumentsExamples() {
        var w = ProtobufWriter()
        w.uint(1, 150)
        #expect(w.bytes == [0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.string(2, "testing")
        #expect(w.bytes == [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67])
        // A negative int32 or int64 is ten bytes (two's complement, not zigzag).
        w = ProtobufWriter()
        w.int(1, -2)
        #expect(w.bytes == [0x08, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        // A packed repeated field: one length-delimited run of varints.
        w = ProtobufWriter()
        w.packed(6, [3, 270, 86942])
        #expect(w.bytes == [0x32, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05])
        // An embedded message: a length and its bytes (Test3 { Test1 c = 3 } with a = 150).
        w = ProtobufWriter()
        w.message(3) { $0.uint(1, 150) }
        #expect(w.bytes == [0x1a, 0x03, 0x08, 0x96, 0x01])
        // fixed64 and double, little-endian.
        w = ProtobufWriter()
        w.fixed64(1, 0x0102_0304_0506_0708)
        w.double(2, 1.0)
        #expect(w.bytes == [0x09, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f])
    }

    @Test func endpointsAndHeadersAreCheckedWithClearErrors() throws {
        #expect(try OTLPExportConfiguration(endpoint: "http://collector:4318/").endpoint == "http://collector:4318")
        #expect(try OTLPExportConfiguration(endpoint: "https://otel.example/prefix").endpoint == "https://otel.example/prefix")
        for bad in ["collector:4318", "ftp://collector", "http://", "http://:4318", "http://a b"] {
            #expect(throws: StoreFileError.self, "\(bad)") { try OTLPExportConfiguration(endpoint: bad) }
        }
        var c = try OTLPExportConfiguration(endpoint: "http://127.0.0.1:4318")
        try c.addHeader("Authorization=Bearer a=b")
        #expect(c.headers.map(\.name) == ["Authorization"])
        #expect(c.headers.map(\.value) == ["Bearer a=b"])
        for bad in ["=x", "no-equals", "Bad Name=x", "X-Key=a\r\nInjected: 1"] {
            let error = #expect(throws: StoreFileError.self, "\(bad)") { try c.addHeader(bad) }
            #expect(error?.description.hasPrefix("--otlp-header") == true)
        }
    }
}
