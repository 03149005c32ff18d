// A TLS client that only fetches the server's certificate (see CTLS.h).
#include "CTLS.h"
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/// A TCP connection to the first address that accepts within the timeout; -1 else.
static int connect_tcp(const char *host, const char *port, int timeout_ms, char *error, size_t error_size) {
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *found = NULL;
    int rc = getaddrinfo(host, port, &hints, &found);
    if (rc != 0) { snprintf(error, error_size, "cannot resolve %s: %s", host, gai_strerror(rc)); return -1; }
    int fd = -1;
    snprintf(error, error_size, "cannot connect to %s:%s", host, port);
    for (struct addrinfo *a = found; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (errno != EINPROGRESS || poll(&p, 1, timeout_ms) != 1 ||
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
                snprintf(error, error_size, "cannot connect to %s:%s: %s", host, port,
                         soerr ? strerror(soerr) : errno == EINPROGRESS ? "timed out" : strerror(errno));
                close(fd);
                fd = -1;
                continue;
            }
        }
    }
    freeaddrinfo(found);
    if (fd < 0) return -1;
    // Blocking again, with the timeout on each read and write of the handshake.
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

int vigil_tls_peer_certificate(const char *host, const char *port, int timeout_ms,
                               unsigned char **der, size_t *der_length, char *error, size_t error_size) {
    *der = NULL;
    *der_length = 0;
    int fd = connect_tcp(host, port, timeout_ms, error, error_size);
    if (fd < 0) return -1;
    int result = -1;
    // A server that hangs up mid-handshake makes OpenSSL's write raise SIGPIPE, which
    // would end the process: blocked on this thread for the handshake, any pending
    // one taken off before the old mask comes back.
    sigset_t pipe_only, old_mask;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    if (!ssl) {
        snprintf(error, error_size, "cannot create a TLS context");
    } else {
        SSL_set_fd(ssl, fd);
        SSL_set_tlsext_host_name(ssl, host);
        if (SSL_connect(ssl) != 1) {
            unsigned long e = ERR_get_error();
            snprintf(error, error_size, "TLS handshake with %s:%s failed: %s", host, port,
                     e ? ERR_reason_error_string(e) : "the connection closed or timed out");
        } else {
            X509 *cert = SSL_get1_peer_certificate(ssl);
            int n = cert ? i2d_X509(cert, der) : -1;
            if (n > 0) { *der_length = (size_t)n; result = 0; }
            else snprintf(error, error_size, "%s:%s sent no certificate", host, port);
            X509_free(cert);
        }
    }
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd);
    sigset_t pending;
    struct timespec now = { 0, 0 };
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) && !sigismember(&old_mask, SIGPIPE)) {
        sigtimedwait(&pipe_only, NULL, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return result;
}

void vigil_tls_free(unsigned char *der) { OPENSSL_free(der); }
