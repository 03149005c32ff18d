// One GET through a dlopen'd libcurl (see CCurl.h).
#include "CCurl.h"
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
    __typeof__(&curl_global_init) global_init;
    __typeof__(&curl_easy_init) easy_init;
    __typeof__(&curl_easy_setopt) easy_setopt;
    __typeof__(&curl_easy_perform) easy_perform;
    __typeof__(&curl_easy_getinfo) easy_getinfo;
    __typeof__(&curl_easy_cleanup) easy_cleanup;
    __typeof__(&curl_easy_strerror) easy_strerror;
    __typeof__(&curl_slist_append) slist_append;
    __typeof__(&curl_slist_free_all) slist_free_all;
} api;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, symbol) \
    if (!(api.field = (__typeof__(api.field))dlsym(handle, #symbol))) return;

static void load(void) {
    void *handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) handle = dlopen("libcurl-gnutls.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    RESOLVE(global_init, curl_global_init)
    RESOLVE(easy_init, curl_easy_init)
    RESOLVE(easy_setopt, curl_easy_setopt)
    RESOLVE(easy_perform, curl_easy_perform)
    RESOLVE(easy_getinfo, curl_easy_getinfo)
    RESOLVE(easy_cleanup, curl_easy_cleanup)
    RESOLVE(easy_strerror, curl_easy_strerror)
    RESOLVE(slist_append, curl_slist_append)
    RESOLVE(slist_free_all, curl_slist_free_all)
    // Not thread-safe itself, so done once here, before any request.
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return;
    loaded = 1;
}

struct sink { struct vigil_curl_result *out; size_t max; };

static size_t write_body(char *data, size_t size, size_t count, void *context) {
    struct sink *s = context;
    size_t n = size * count;
    s->out->bytes += (long long)n;
    size_t keep = s->out->body_length < s->max ? s->max - s->out->body_length : 0;
    if (keep > n) keep = n;
    if (keep > 0) {
        char *grown = realloc(s->out->body, s->out->body_length + keep);
        if (!grown) return 0;
        memcpy(grown + s->out->body_length, data, keep);
        s->out->body = grown;
        s->out->body_length += keep;
    }
    return n;
}

int vigil_curl_get(const char *url, const char *unix_socket, const char *ua, long timeout_ms, size_t max_body,
                   struct vigil_curl_result *out) {
    return vigil_curl_request("GET", url, unix_socket, NULL, 0, ua, 0, timeout_ms, max_body, out);
}

int vigil_curl_request(const char *method, const char *url, const char *unix_socket, const char *const *headers,
                       size_t header_count, const char *ua, long connect_timeout_ms, long timeout_ms, size_t max_body,
                       struct vigil_curl_result *out) {
    memset(out, 0, sizeof *out);
    pthread_once(&once, load);
    if (!loaded) return -1;
    CURL *curl = api.easy_init();
    if (!curl) return CURLE_FAILED_INIT;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) {
        struct curl_slist *grown = api.slist_append(list, headers[i]);
        if (!grown) {
            api.slist_free_all(list);
            api.easy_cleanup(curl);
            return CURLE_OUT_OF_MEMORY;
        }
        list = grown;
    }
    struct sink s = { out, max_body };
    api.easy_setopt(curl, CURLOPT_URL, url);
    // Only plain HTTP(S): a URL from a query never reaches file:// or other protocols.
    api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(method, "GET") != 0) {
        api.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
            api.easy_setopt(curl, CURLOPT_POSTFIELDS, "");
            api.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
        }
    }
    if (list) api.easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (connect_timeout_ms > 0) api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    if (unix_socket) api.easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, unix_socket);
    api.easy_setopt(curl, CURLOPT_USERAGENT, ua);
    api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    api.easy_setopt(curl, CURLOPT_WRITEDATA, &s);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CURLcode rc = api.easy_perform(curl);
    clock_gettime(CLOCK_MONOTONIC, &end);
    out->rtt_us = (end.tv_sec - start.tv_sec) * 1000000LL + (end.tv_nsec - start.tv_nsec) / 1000;
    if (rc == CURLE_OK) {
        api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->response_code);
    } else {
        strncpy(out->error, api.easy_strerror(rc), sizeof out->error - 1);
    }
    api.easy_cleanup(curl);
    api.slist_free_all(list);
    return rc;
}

void vigil_curl_free(struct vigil_curl_result *result) {
    free(result->body);
    result->body = NULL;
    result->body_length = 0;
}
