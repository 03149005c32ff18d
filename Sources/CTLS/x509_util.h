// Helpers the X.509 readers of CTLS share (not part of the module's interface).
#ifndef VIGIL_CTLS_X509_UTIL_H
#define VIGIL_CTLS_X509_UTIL_H
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/// What was written to a memory BIO, as a malloc'd string (NULL when empty); frees the BIO.
char *vigil_x509_drain(BIO *bio);
/// Lower-case hex of a digest of the DER form, without separators (osquery's form).
char *vigil_x509_fingerprint(X509 *cert, const EVP_MD *md);
#endif
