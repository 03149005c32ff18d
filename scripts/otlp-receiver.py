#!/usr/bin/env python3
"""A small OTLP/HTTP receiver for the tests: decodes each request with the
opentelemetry-proto classes (PyPI) and appends what it decoded, as one JSON line per
request, to --out. A body that does not parse, or that holds fields the pinned
opentelemetry-proto does not know (a wrong field number or wire type), is answered
400 and written as {"path", "error"} so that the test sees why.

--fail N answers the first N requests of each path with 503 and Retry-After: 1, to
exercise the exporter's retries; --reject N answers every accepted request with a
partial success that refuses N items. Written to --out + ".ready" once listening.
"""
import argparse
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.profiles.v1development import profiles_service_pb2

SERVICES = {
    "/v1/logs": (logs_service_pb2.ExportLogsServiceRequest, logs_service_pb2.ExportLogsServiceResponse),
    "/v1/metrics": (metrics_service_pb2.ExportMetricsServiceRequest, metrics_service_pb2.ExportMetricsServiceResponse),
    "/v1development/profiles": (profiles_service_pb2.ExportProfilesServiceRequest, profiles_service_pb2.ExportProfilesServiceResponse),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--fail", type=int, default=0)
    parser.add_argument("--reject", type=int, default=0)
    args = parser.parse_args()
    lock = threading.Lock()
    failures = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def record(self, line):
            with lock, open(args.out, "a") as out:
                out.write(json.dumps(line) + "\n")

        def answer(self, code, body=b"", content_type="application/x-protobuf", headers=()):
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            service = SERVICES.get(self.path)
            if service is None:
                return self.answer(404, b"no such path", "text/plain")
            with lock:
                failures[self.path] = failures.get(self.path, 0) + 1
                fail = failures[self.path] <= args.fail
            if fail:
                return self.answer(503, b"failing on purpose", "text/plain", [("Retry-After", "1")])
            try:
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.headers.get("Content-Type") != "application/x-protobuf":
                    raise ValueError("Content-Type is %r" % self.headers.get("Content-Type"))
                request_type, response_type = service
                message = request_type()
                message.ParseFromString(body)
                size = message.ByteSize()
                message.DiscardUnknownFields()
                if message.ByteSize() != size:
                    raise ValueError("fields unknown to opentelemetry-proto (%d bytes)" % (size - message.ByteSize()))
            except Exception as error:  # what the test reads
                self.record({"path": self.path, "error": str(error)})
                return self.answer(400, str(error).encode(), "text/plain")
            self.record({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                         "message": MessageToDict(message, preserving_proto_field_name=True)})
            response = response_type()
            if args.reject:
                partial = response.partial_success
                count = next(f.name for f in partial.DESCRIPTOR.fields if f.name.startswith("rejected_"))
                setattr(partial, count, args.reject)
                partial.error_message = "rejected on purpose"
            self.answer(200, response.SerializeToString())

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    open(args.out + ".ready", "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
