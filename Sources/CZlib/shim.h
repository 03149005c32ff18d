// zlib: gzip deflate and inflate (VigilSystem.Gzip) and CRC-32
// (the checksum a .gnu_debuglink section carries).
#ifndef VIGIL_CZLIB_SHIM_H
#define VIGIL_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 and inflateInit2 are macros that pass the library version and
// struct size; Swift cannot call macros.
static inline int vigil_deflate_init_gzip(z_stream *stream, int level) {
    // windowBits 15 + 16 asks zlib for a gzip header and trailer.
    return deflateInit2(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
static inline int vigil_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}
#endif
