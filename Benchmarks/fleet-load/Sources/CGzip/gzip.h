// zlib for the simulated agents' gzip bodies (Vigil's telemetry; osquery's
// logger_tls_compress). One call: Swift cannot call deflateInit2, a macro.
#ifndef FLEET_LOAD_GZIP_H
#define FLEET_LOAD_GZIP_H
#include <zlib.h>

// gzip `in` into `out` (sized by the caller to at least compressBound(n) + 32);
// the compressed size, or -1.
static inline long fleet_load_gzip(const unsigned char *in, unsigned long n, unsigned char *out, unsigned long capacity) {
    z_stream s = {0};
    if (deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    s.next_in = (unsigned char *)in; s.avail_in = (uInt)n;
    s.next_out = out; s.avail_out = (uInt)capacity;
    int rc = deflate(&s, Z_FINISH);
    long size = rc == Z_STREAM_END ? (long)s.total_out : -1;
    deflateEnd(&s);
    return size;
}
#endif
