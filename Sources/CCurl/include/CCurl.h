// libcurl, opened at run time with dlopen (libcurl4-openssl-dev gives the
// prototypes): the curl table's requests. Its options are set through a variadic
// function, which Swift cannot call, so the whole request is one C function here.
#ifndef VIGIL_CCURL_H
#define VIGIL_CCURL_H
#include <stddef.h>

/// What one request gave. `body` is malloc'd (free it with vigil_curl_free).
struct vigil_curl_result {
    long response_code;
    /// Wall-clock microseconds from the start of the request to its end.
    long long rtt_us;
    /// Bytes of the response body received (all of them, even past `max_body`).
    long long bytes;
    char *body;
    size_t body_length;
    char error[256];
};

/// GET `url` with user agent `ua`, following no redirects, giving up after
/// `timeout_ms`; at most `max_body` bytes of the body are kept. With a non-NULL
/// `unix_socket` the request goes to that AF_UNIX socket (the Docker Engine API),
/// the URL giving only the path. Returns 0 when a response came, -1 when libcurl
/// cannot be loaded, else libcurl's error code (with its message in out->error).
int vigil_curl_get(const char *url, const char *unix_socket, const char *ua, long timeout_ms, size_t max_body,
                   struct vigil_curl_result *out);

/// A request as vigil_curl_get makes it, with a `method` ("GET", "PUT"; an empty
/// body), extra `headers` ("Name: value", `header_count` of them), and a separate
/// `connect_timeout_ms` (0: none beyond `timeout_ms`): the cloud metadata tables
/// give up quickly on an address nothing answers.
int vigil_curl_request(const char *method, const char *url, const char *unix_socket, const char *const *headers,
                       size_t header_count, const char *ua, long connect_timeout_ms, long timeout_ms, size_t max_body,
                       struct vigil_curl_result *out);

void vigil_curl_free(struct vigil_curl_result *result);
#endif
